package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vostok.hw.Samples;

class NvmeParserTest {

    @Test
    void theListNamesEachNamespace() {
        List<NvmeParser.Listed> listed = NvmeParser.list(Samples.read("nvme-list.json"));
        assertEquals(2, listed.size());
        assertEquals("nvme0n1", listed.get(0).blockName());
        assertEquals(3840755982336L, listed.get(0).physicalSizeBytes());
        assertEquals(4096, listed.get(0).sectorBytes());
        assertEquals("Samsung SSD 970 EVO Plus 1TB", listed.get(1).model());
    }

    @Test
    void theVolatileWriteCacheIsBitZeroOfVwc() {
        NvmeParser.Controller plp = NvmeParser.controller(Samples.read("nvme-id-ctrl-plp.json"));
        assertFalse(plp.volatileWriteCache(), "VWC 6: flush broadcast bits only, no volatile cache");
        assertEquals("SAMSUNG MZWLJ3T8HBLS-00007", plp.model(), "nvme-cli pads the model; it is trimmed");
        NvmeParser.Controller consumer = NvmeParser.controller(Samples.read("nvme-id-ctrl-vwc.json"));
        assertTrue(consumer.volatileWriteCache());
        assertEquals("2B2QEXM7", consumer.firmware());
    }

    @Test
    void theFormattedLbaIsTheOneFlbasNames() {
        NvmeParser.Format format = NvmeParser.format(Samples.read("nvme-id-ns-4k.json"));
        assertEquals(4096, format.dataBytes());
        assertEquals(0, format.metadataBytes());
        assertEquals(937684566L * 4096, format.sizeBytes());
        ToolOutputException e = assertThrows(ToolOutputException.class,
                () -> NvmeParser.format("{\"nsze\":1,\"flbas\":3,\"lbafs\":[{\"ms\":0,\"ds\":9}]}"));
        assertTrue(e.getMessage().contains("names LBA format 3"), e.getMessage());
    }

    @Test
    void healthReadsCountersWrittenAsStringsAndTheVerboseWarning() {
        NvmeParser.Health fine = NvmeParser.health(Samples.read("nvme-smart-log.json"));
        assertEquals(0, fine.criticalWarning());
        assertEquals(37, fine.temperatureCelsius());
        assertEquals(3, fine.percentUsed());
        assertEquals(17, fine.unsafeShutdowns());
        NvmeParser.Health worn = NvmeParser.health(Samples.read("nvme-smart-log-worn.json"));
        assertEquals(4, worn.criticalWarning());
        assertEquals(104, worn.percentUsed());
        assertEquals(12, worn.mediaErrors());
        assertTrue(worn.availableSparePercent() < worn.spareThresholdPercent());
    }

    @Test
    void outputWithoutTheDocumentedFieldsIsRefused() {
        assertThrows(ToolOutputException.class, () -> NvmeParser.list("{\"devices\":[]}"));
        assertThrows(ToolOutputException.class, () -> NvmeParser.controller("{\"mn\":\"x\"}"));
        assertThrows(ToolOutputException.class, () -> NvmeParser.health(""));
        assertEquals(List.of(), NvmeParser.list("{\"Devices\":[]}"));
    }
}
