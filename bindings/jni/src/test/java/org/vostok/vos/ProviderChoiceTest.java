package org.vostok.vos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which implementation an application gets with both jars on its class path (as here): FFM on a
 * runtime that can load it (Java 22 and newer), JNI on Java 17 and 21, and either one when asked
 * for by name. Before the JNI implementation existed, a Java 17 runtime that met the FFM jar on its
 * class path failed the whole lookup instead of going on to the next implementation. In the
 * package of {@link ProviderLookup} so that it can run the lookup afresh, without the cache.
 */
class ProviderChoiceTest {
    private static final boolean FFM_RUNTIME = Runtime.version().feature() >= 22;

    private String saved;

    @BeforeEach
    void clearTheProperty() {
        saved = System.getProperty(VosProvider.PROVIDER_PROPERTY);
        System.clearProperty(VosProvider.PROVIDER_PROPERTY);
    }

    @AfterEach
    void restoreTheProperty() {
        if (saved != null) {
            System.setProperty(VosProvider.PROVIDER_PROPERTY, saved);
        }
    }

    @Test
    void withoutThePropertyFfmIsTakenWhereTheRuntimeHasItAndJniElsewhere() {
        assertEquals(FFM_RUNTIME ? "ffm" : "jni", ProviderLookup.findDefault().name(),
                "on Java " + Runtime.version());
    }

    @Test
    void thePropertyForcesJni() {
        System.setProperty(VosProvider.PROVIDER_PROPERTY, "jni");
        assertEquals("jni", ProviderLookup.findDefault().name());
        assertEquals("jni", VosProvider.load("jni").name());
    }

    @Test
    void thePropertyForcesFfmWhereItCanRunAndSaysWhyNotElsewhere() {
        System.setProperty(VosProvider.PROVIDER_PROPERTY, "ffm");
        if (FFM_RUNTIME) {
            assertEquals("ffm", ProviderLookup.findDefault().name());
            return;
        }
        VosUnavailableException e = assertThrows(VosUnavailableException.class, ProviderLookup::findDefault);
        assertTrue(e.getMessage().contains("'ffm'") && e.getMessage().contains("Java 22"), e::getMessage);
        assertTrue(e.getMessage().contains("found jni"), e::getMessage);
    }

    @Test
    void anUnknownNameListsWhatThereIs() {
        System.setProperty(VosProvider.PROVIDER_PROPERTY, "cuda");
        VosUnavailableException e = assertThrows(VosUnavailableException.class, ProviderLookup::findDefault);
        assertTrue(e.getMessage().contains("'cuda'") && e.getMessage().contains("jni"), e::getMessage);
    }
}
