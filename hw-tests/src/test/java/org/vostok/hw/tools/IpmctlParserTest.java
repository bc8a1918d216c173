package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vostok.hw.Samples;

class IpmctlParserTest {

    @Test
    void modulesAreReadFromTheDimmList() {
        List<PmemModule> modules = IpmctlParser.modules(Samples.read("ipmctl-dimms.xml"));
        assertEquals(List.of("0x0001", "0x0011", "0x1001"), modules.stream().map(PmemModule::dimmId).toList());
        assertTrue(modules.get(0).healthy());
        assertFalse(modules.get(1).healthy());
        assertTrue(modules.get(1).degraded());
        assertEquals("01.02.00.5446", modules.get(2).firmware());
        assertEquals("502.599 GiB", modules.get(2).capacity());
    }

    @Test
    void aMachineWithoutModulesSaysSo() {
        // What ipmctl 03.00.00.0468 prints on this development machine (exit code 1).
        assertEquals(List.of(), IpmctlParser.modules("Initialization failed. No PMem modules in the system.\n"));
        assertTrue(IpmctlParser.saysNoModules("No PMem modules in the system."));
    }

    @Test
    void otherTextAndBrokenXmlAreClearErrors() {
        ToolOutputException e = assertThrows(ToolOutputException.class,
                () -> IpmctlParser.modules("Error: access denied\n"));
        assertTrue(e.getMessage().contains("access denied"), e.getMessage());
        e = assertThrows(ToolOutputException.class, () -> IpmctlParser.modules("<DimmList><Dimm></DimmList>"));
        assertTrue(e.getMessage().startsWith("ipmctl printed XML that does not parse"), e.getMessage());
        // A document type declaration is refused: a tool's output is data, never a place to expand entities.
        assertThrows(ToolOutputException.class, () -> IpmctlParser.modules(
                "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><DimmList><Dimm><DimmID>&e;</DimmID></Dimm></DimmList>"));
    }
}
