package org.vostok.client.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The client library stands alone: applications link it with Netty, SLF4J's API and protobuf
 * only, so nothing in it may reach into the server side (rsvc, rdb, raft, VOS) or log through
 * anything but SLF4J.
 */
@AnalyzeClasses(packages = "org.vostok.client", importOptions = ImportOption.DoNotIncludeTests.class)
class ClientLayeringTest {

    @ArchTest
    static final ArchRule noServerSide = noClasses().that().resideInAPackage("org.vostok.client..")
            .should().dependOnClassesThat().resideInAnyPackage("org.vostok.rsvc..", "org.vostok.rdb..",
                    "org.vostok.raft..", "org.vostok.vos..", "org.vostok.server..");

    @ArchTest
    static final ArchRule onlySlf4jLogging = noClasses().that().resideInAPackage("org.vostok.client..")
            .should().dependOnClassesThat().resideInAnyPackage("java.util.logging..", "org.apache.log4j..",
                    "ch.qos.logback..");

    @ArchTest
    static final ArchRule wireBelowClient = noClasses().that().resideInAPackage("org.vostok.client.wire..")
            .should().dependOnClassesThat().resideInAnyPackage("org.vostok.client.net..",
                    "org.vostok.client.register..", "org.vostok.client.mgmt..", "org.vostok.client.pool..");
}
