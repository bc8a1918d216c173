package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.vostok.hw.Samples;

/** ndctl prints one object for one region, an array for several, and wraps regions under a bus when buses are listed. */
class NdctlParserTest {

    @Test
    void oneRegionIsOneObjectWithItsNamespaces() {
        List<PmemRegion> regions = NdctlParser.regions(Samples.read("ndctl-one-region.json"));
        assertEquals(1, regions.size());
        PmemRegion region = regions.get(0);
        assertEquals("region0", region.dev());
        assertEquals(549755813888L, region.sizeBytes());
        assertEquals(Optional.of("memory_controller"), region.persistenceDomain());
        PmemNamespace ns = region.namespaces().get(0);
        assertEquals("namespace0.0", ns.dev());
        assertTrue(ns.isFsdax());
        assertEquals(Optional.of("pmem0"), ns.blockdev());
        assertEquals(OptionalInt.of(0), ns.numaNode());
        assertEquals(OptionalInt.of(2), ns.targetNode());
    }

    @Test
    void severalRegionsAreAnArrayAndOldModeNamesAreRead() {
        List<PmemRegion> regions = NdctlParser.regions(Samples.read("ndctl-regions.json"));
        assertEquals(List.of("region1", "region0"), regions.stream().map(PmemRegion::dev).toList());
        assertEquals(Optional.of("cpu_cache"), regions.get(0).persistenceDomain());
        PmemNamespace devdax = regions.get(0).namespaces().get(0);
        assertEquals("devdax", devdax.mode());
        assertEquals(Optional.of("dax1.0"), devdax.chardev());
        assertFalse(devdax.isFsdax());
        assertEquals(Optional.empty(), regions.get(1).persistenceDomain(), "region0 does not report one");
        assertEquals("fsdax", regions.get(1).namespaces().get(0).mode(), "ndctl's old name 'memory' is fsdax");
        assertEquals("sector", regions.get(1).namespaces().get(1).mode());
    }

    @Test
    void regionsUnderABusAreFound() {
        List<PmemRegion> regions = NdctlParser.regions(Samples.read("ndctl-bus.json"));
        assertEquals(1, regions.size());
        assertEquals(Optional.of("none"), regions.get(0).persistenceDomain());
        assertEquals(OptionalInt.of(-1), regions.get(0).namespaces().get(0).numaNode());
    }

    @Test
    void noOutputIsNoRegion() {
        assertEquals(List.of(), NdctlParser.regions(""));
        assertEquals(List.of(), NdctlParser.regions("\n"));
    }

    @Test
    void somethingElseIsAClearError() {
        ToolOutputException e = assertThrows(ToolOutputException.class, () -> NdctlParser.regions("error: no bus"));
        assertTrue(e.getMessage().contains("ndctl printed no JSON: error: no bus"), e.getMessage());
        e = assertThrows(ToolOutputException.class, () -> NdctlParser.regions("[{\"dev\":\"nmem0\"}]"));
        assertTrue(e.getMessage().contains("where a region was expected"), e.getMessage());
        e = assertThrows(ToolOutputException.class, () -> NdctlParser.regions("{\"dev\":\"region0\", "));
        assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
    }
}
