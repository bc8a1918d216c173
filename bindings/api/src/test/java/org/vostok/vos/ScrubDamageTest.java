package org.vostok.vos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A scrub's problem, as the library words it, splits into what is wrong and where. */
class ScrubDamageTest {

    @Test
    void damageInsideAContainerSaysWhere() {
        ScrubDamage d = ScrubDamage.ofLibraryMessage("the index node at pool offset 4096 is damaged: checksum"
                + " (container 0b1c-x, object 7, key 9)");
        assertEquals("container 0b1c-x, object 7, key 9", d.where());
        assertEquals("the index node at pool offset 4096 is damaged: checksum", d.what());
        assertEquals("the index node at pool offset 4096 is damaged: checksum (container 0b1c-x, object 7, key 9)",
                d.toString());
    }

    @Test
    void damageOutsideEveryContainerIsThePools() {
        ScrubDamage d = ScrubDamage.ofLibraryMessage("the pool's root record is damaged (mark 0x0)");
        assertEquals(ScrubDamage.WHERE_POOL, d.where());
        assertEquals("the pool's root record is damaged (mark 0x0)", d.what());
    }
}
