package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent given through {@code JAVA_TOOL_OPTIONS}, the way a build hands it to every JVM it
 * starts: the JDK's {@code jar} tool, on JDK 17 and 25, stages the jar it replaces and prints
 * nothing but the agent's log and the JDK's own notice that it picked the option up.
 */
class AgentToolOptionsTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    static List<Path> jdks() {
        return AgentJvms.BOTH;
    }

    @ParameterizedTest(name = "jar of {0}")
    @MethodSource("jdks")
    void theJarToolStagesTheJarItReplaces(Path jdk) throws IOException {
        Path dir = Dxfs.scratch("agent-tool-options-");
        Path classes = Files.createDirectories(dir.resolve("classes/app"));
        Files.writeString(classes.resolve("notes.txt"), "new");
        Path target = Files.createDirectories(dir.resolve("target"));
        Path jar = target.resolve("app.jar");
        Files.writeString(jar, "an older build's jar");
        String options = "-javaagent:" + AgentJvms.AGENT + "=root=" + target + ",log=debug";

        Run run = Run.of(List.of(jdk.resolve("jar").toString(), "--create", "--file", jar.toString(), "-C",
                dir.resolve("classes").toString(), "app"), dir, Map.of("JAVA_TOOL_OPTIONS", options), TIMEOUT).ok();

        List<String> err = run.err().lines().toList();
        assertThat(err).as("stderr").first().isEqualTo("Picked up JAVA_TOOL_OPTIONS: " + options);
        assertThat(err.subList(1, err.size())).as("the agent's log")
                .anyMatch(line -> line.startsWith("dxfs-agent: staging " + jar + " in " + target.resolve(".dxfs/agent.")))
                .contains("dxfs-agent: published " + jar)
                .allMatch(line -> line.startsWith("dxfs-agent: staging ") || line.startsWith("dxfs-agent: published "));
        try (ZipFile written = new ZipFile(jar.toFile())) {
            assertThat(written.getEntry("app/notes.txt")).as("the new jar's entry").isNotNull();
        }
        assertThat(target.resolve(".dxfs")).as("the staging directory, removed by the last JVM done with it")
                .doesNotExist();
    }
}
