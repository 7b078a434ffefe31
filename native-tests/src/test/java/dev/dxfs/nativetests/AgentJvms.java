package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The agent jar under test, and the JDKs its tests run tools on: the build's own (17) and 25. */
final class AgentJvms {
    static final Path AGENT = Path.of(System.getProperty("dxfs.agent", "../agent/target/dxfs-agent.jar"))
            .toAbsolutePath().normalize();
    /** The bin directory of the JDK that runs the tests. */
    static final Path JDK_17 = Path.of(System.getProperty("java.home"), "bin");
    /** The bin directory of JDK 25 (the property names its {@code java}). */
    static final Path JDK_25 = Path.of(System.getProperty("dxfs.java25",
            "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")).getParent();
    static final List<Path> BOTH = List.of(JDK_17, JDK_25);

    private AgentJvms() {}

    /** The class path of the test programs that tool JVMs run. */
    static Path testClasses() {
        try {
            return Path.of(AgentJvms.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
