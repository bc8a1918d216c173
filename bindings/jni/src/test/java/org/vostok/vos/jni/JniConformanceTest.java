package org.vostok.vos.jni;

import org.vostok.vos.VosProvider;
import org.vostok.vos.conformance.ConformanceSuite;

/**
 * Runs the whole VOS conformance suite (vostok-vos-api's test-jar) against the JNI
 * implementation with pools of the PMDK backend. The provider is found the way an application
 * finds it, through {@link VosProvider#load()}, which also checks the service registration.
 */
class JniConformanceTest extends ConformanceSuite {
    private static final VosProvider PROVIDER = VosProvider.load();

    @Override
    protected VosProvider provider() {
        return PROVIDER;
    }
}
