package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What real tools write under the agent, as the JVM itself records it: {@code javac -d} and the
 * {@code jar} tool run with a JFR recording of every {@code jdk.FileWrite}. With the agent, every
 * write below the output directory goes to a temp file in its staging directory; without it,
 * javac writes its class files directly (the check's teeth). (The jar tool writes in the
 * system's temp directory and moves the jar into place; the move is staged too.)
 */
class AgentJfrTest {
    private static final Path AGENT = AgentJvms.AGENT;
    private static final Path JAVA_BIN = AgentJvms.JDK_17;
    private static final Pattern PATH = Pattern.compile("path = \"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0">
              <event name="jdk.FileWrite">
                <setting name="enabled">true</setting>
                <setting name="stackTrace">false</setting>
                <setting name="threshold">0 ms</setting>
              </event>
            </configuration>
            """;

    @Test
    void javacAndJarWriteTheirOutputsOnlyThroughTempFiles() throws IOException {
        Path dir = sources("agent-jfr");
        List<String> written = writesUnder(dir, true);

        assertThat(written).as("writes below out/").isNotEmpty()
                .allMatch(path -> path.startsWith(dir.resolve("out/.dxfs") + "/"));
        assertThat(Files.exists(dir.resolve("out/app.jar"))).isTrue();
        assertThat(Files.exists(dir.resolve("out/app/C9.class"))).isTrue();
    }

    @Test
    void withoutTheAgentTheSameToolsWriteTheirOutputsDirectly() throws IOException {
        Path dir = sources("agent-jfr-plain");
        assertThat(writesUnder(dir, false)).contains(dir.resolve("out/app/C9.class").toString());
    }

    /** A directory with ten classes' sources, and the recording settings. */
    private static Path sources(String name) throws IOException {
        Path dir = Dxfs.scratch(name + "-");
        Path app = Files.createDirectories(dir.resolve("src/app"));
        for (int i = 0; i < 10; i++) {
            Files.writeString(app.resolve("C" + i + ".java"), "package app; public class C" + i + " {}\n");
        }
        Files.writeString(dir.resolve("writes.jfc"), SETTINGS);
        Files.createDirectories(dir.resolve("out"));
        return dir;
    }

    /** Runs javac and jar (with or without the agent) and returns the paths below out/ they wrote. */
    private static List<String> writesUnder(Path dir, boolean agent) throws IOException {
        Path out = dir.resolve("out");
        List<String> javac = new ArrayList<>(tool("javac", dir, agent, "javac.jfr"));
        javac.addAll(List.of("-d", out.toString()));
        try (var files = Files.list(dir.resolve("src/app"))) {
            files.forEach(file -> javac.add(file.toString()));
        }
        Run.of(javac, dir, Map.of(), TIMEOUT).ok();
        List<String> jar = new ArrayList<>(tool("jar", dir, agent, "jar.jfr"));
        jar.addAll(List.of("--create", "--file", out.resolve("app.jar").toString(), "-C", out.toString(), "app"));
        Run.of(jar, dir, Map.of(), TIMEOUT).ok();

        List<String> written = new ArrayList<>();
        for (String recording : List.of("javac.jfr", "jar.jfr")) {
            Run print = Run.of(List.of(JAVA_BIN.resolve("jfr").toString(), "print", "--events", "jdk.FileWrite",
                    dir.resolve(recording).toString()), dir, Map.of(), TIMEOUT).ok();
            Matcher matcher = PATH.matcher(print.out());
            while (matcher.find()) {
                if (matcher.group(1).startsWith(out + "/")) {
                    written.add(matcher.group(1));
                }
            }
        }
        return written;
    }

    private static List<String> tool(String name, Path dir, boolean agent, String recording) {
        List<String> command = new ArrayList<>(List.of(JAVA_BIN.resolve(name).toString()));
        if (agent) {
            command.add("-J-javaagent:" + AGENT + "=root=" + dir.resolve("out"));
        }
        command.add("-J-XX:StartFlightRecording=filename=" + dir.resolve(recording) + ",settings="
                + dir.resolve("writes.jfc"));
        return command;
    }
}
