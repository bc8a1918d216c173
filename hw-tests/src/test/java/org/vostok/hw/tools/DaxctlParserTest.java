package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.vostok.hw.Samples;

class DaxctlParserTest {

    @Test
    void devicesAreAnArrayOrSitInARegion() {
        List<DaxDevice> devices = DaxctlParser.devices(Samples.read("daxctl-list.json"));
        assertEquals(List.of("dax1.0", "dax2.0"), devices.stream().map(DaxDevice::chardev).toList());
        assertEquals("system-ram", devices.get(1).mode());
        assertEquals(OptionalInt.of(3), devices.get(0).targetNode());

        List<DaxDevice> inRegion = DaxctlParser.devices(Samples.read("daxctl-regions.json"));
        assertEquals(1, inRegion.size());
        assertEquals(1598128390144L, inRegion.get(0).sizeBytes());
    }

    @Test
    void noOutputIsNoDeviceAndARecordWithoutAChardevIsRefused() {
        assertEquals(List.of(), DaxctlParser.devices(""));
        assertThrows(ToolOutputException.class, () -> DaxctlParser.devices("[{\"size\":1}]"));
    }
}
