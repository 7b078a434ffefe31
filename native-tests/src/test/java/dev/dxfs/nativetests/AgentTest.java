package dev.dxfs.nativetests;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java agent, API by API, on the build's JDK (17) and on JDK 25: each {@link AgentScenarios}
 * program runs twice, without and with the agent. With it, a reader never sees the write until
 * it is closed; without it, it does (the test's teeth). Either way the files end the same: the
 * agent changes when a write becomes visible, never what it produces.
 */
class AgentTest {
    private static final Path AGENT = AgentJvms.AGENT;
    private static final String JAVA_17 = AgentJvms.JDK_17.resolve("java").toString();
    private static final String JAVA_25 = AgentJvms.JDK_25.resolve("java").toString();
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final String OLD = "f = old rw-r-----";
    /** What JDK 21 and later print at each load of an agent into a running JVM: the JDK's own warning. */
    private static final List<String> DYNAMIC_LOADING_WARNING = List.of(
            "WARNING: A Java agent has been loaded dynamically (" + AGENT + ")",
            "WARNING: If a serviceability tool is in use, please run with -XX:+EnableDynamicAgentLoading to hide this warning",
            "WARNING: If a serviceability tool is not in use, please run with -Djdk.instrument.traceUsage for more information",
            "WARNING: Dynamic loading of agents will be disallowed by default in a future release");
    /** Stands for the scenario's directory in agent options. */
    private static final String DIR = "{dir}";

    static Stream<String> javas() {
        return Stream.of(JAVA_17, JAVA_25);
    }

    static Stream<Arguments> scenarios() {
        List<Arguments> all = new ArrayList<>();
        for (String java : javas().toList()) {
            for (String scenario : AgentScenarios.ALL) {
                all.add(Arguments.of(scenario, java));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("scenarios")
    void aWriteIsInvisibleUntilClosedAndEndsAsWithoutTheAgent(String scenario, String java) throws IOException {
        Outcome plain = run(java, scenario, null);
        Outcome staged = run(java, scenario, "");

        assertThat(staged.files()).as("the files once the JVM is gone").isEqualTo(plain.files());
        assertThat(staged.staging()).as("the staging directory, once the JVM is gone").isEmpty();
        if (!scenario.startsWith("left ")) {
            assertThat(staged.lines("staging:")).as("the staging directory, once the write is closed")
                    .isEqualTo(plain.lines("staging:"));
        }
        List<String> open = staged.lines("open:");
        if (scenario.contains("append")) {
            assertThat(open).as("appends land at once, as without the agent").containsExactly("open: f = old+new rw-r-----");
            assertThat(plain.lines("open:")).isEqualTo(open);
            return;
        }
        assertThat(open).as("what a reader sees while the write is open").allMatch(line -> line.endsWith(OLD)
                || line.endsWith(" absent"));
        if (!open.isEmpty()) {
            assertThat(plain.lines("open:")).as("without the agent, a reader sees the write at once")
                    .isNotEqualTo(open);
        }
        if (!scenario.equals("left open at exit")) {
            assertThat(staged.lines("closed:")).isEqualTo(plain.lines("closed:"));
        }
        assertThat(staged.run().err()).as("the agent's report").contains("dxfs-agent: published ");
        assertThat(staged.run().err().lines().filter(line -> !line.startsWith("dxfs-agent: staging ")
                && !line.startsWith("dxfs-agent: published "))).as("nothing else on stderr").isEmpty();
    }

    /** No warning of the JVM's about what the agent does (Unsafe, class redefinition), nor of the agent's. */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void theAgentPrintsNothingWhenAllGoesWell(String java) throws IOException {
        Outcome quiet = run(java, "FileOutputStream(String)", "root=" + DIR);
        assertThat(quiet.lines("open:")).as("staged").containsExactly("open: " + OLD);
        assertThat(quiet.run().err()).as("stderr").isEmpty();
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void dxfsAttachStagesTheWritesOfARunningJvm(String java) throws IOException {
        Path dir = fixture();
        List<String> command = List.of(java, "-cp", AgentJvms.testClasses().toString(), AgentScenarios.class.getName(),
                "FileOutputStream after attach", dir.toString());
        try (BackgroundProcess jvm = BackgroundProcess.start(command, dir, Map.of())) {
            jvm.awaitLine("waiting");
            Run attach = Dxfs.run("attach", Long.toString(jvm.pid()), "root=" + dir + ",log=debug").ok();
            assertThat(attach.out()).contains("agent loaded into process " + jvm.pid());
            Run again = Dxfs.run("attach", Long.toString(jvm.pid()), "root=" + dir).ok();
            Files.createFile(dir.resolve("go"));
            Run run = jvm.finish();
            assertThat(run.exit()).as("%s", run).isZero();
            assertThat(run.out()).contains("open: f = old rw-r-----", "closed: f = new rw-r-----");
            assertThat(run.err()).contains("dxfs-agent: published " + dir.resolve("f"))
                    .contains("dxfs-agent: already running in this JVM");
            assertThat(run.err().lines().filter(line -> !line.startsWith("dxfs-agent: ")))
                    .as("stderr but the agent's log")
                    .containsExactlyElementsOf(java.equals(JAVA_17) ? List.of()
                            : Stream.concat(DYNAMIC_LOADING_WARNING.stream(), DYNAMIC_LOADING_WARNING.stream()).toList());
            assertThat(again.exit()).isZero();
        }
        assertThat(Dxfs.run("attach", "999999999").exit()).isEqualTo(1);
    }


    @Test
    void tempFilesOfJvmsThatAreGoneAreRemovedAndOthersKept() throws IOException {
        Path dir = fixture();
        Path staging = Files.createDirectories(dir.resolve(".dxfs"));
        String gone = "agent.999999999.1a2b.1.tmp";
        String alive = "agent." + ProcessHandle.current().pid() + ".1a2b.1.tmp";
        String daemons = "mount.999999999.1a2b.1.tmp";
        for (String name : List.of(gone, alive, daemons)) {
            Files.writeString(staging.resolve(name), "partial");
        }
        List<String> command = List.of(JAVA_17, "-javaagent:" + AGENT + "=root=" + dir, "-cp",
                AgentJvms.testClasses().toString(), AgentScenarios.class.getName(), "Files.write", dir.toString());
        Run.of(command, dir, Map.of(), TIMEOUT).ok();
        try (Stream<Path> left = Files.list(staging)) {
            assertThat(left.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder(alive, daemons);
        }
    }

    @Test
    void pathsOutsideTheRootsAreWrittenAsWithoutTheAgent() throws IOException {
        Outcome outside = run(JAVA_17, "FileOutputStream(String)", "root=elsewhere");
        assertThat(outside.lines("open:")).containsExactly("open: f = new rw-r-----");
        assertThat(outside.run().err()).doesNotContain("staging ");
    }

    @Test
    void badArgumentsPrintOneLineAndTheToolRunsWithoutTheAgent() throws IOException {
        Outcome bad = run(JAVA_17, "FileOutputStream(String)", "bogus=1");
        assertThat(bad.run().err().lines()).containsExactly(
                "dxfs-agent: unknown option 'bogus': expected root, include, exclude, fsync, strict or log; "
                        + "running without the agent");
        assertThat(bad.lines("open:")).containsExactly("open: f = new rw-r-----");
        assertThat(bad.files()).containsEntry("f", "new rw-r-----");
    }

    /** What a scenario printed, and the files it left. */
    private record Outcome(Run run, Map<String, String> files, List<String> staging) {
        List<String> lines(String prefix) {
            return run.out().lines().filter(line -> line.startsWith(prefix)).toList();
        }
    }

    /**
     * Runs {@code scenario} in a fresh {@link #fixture}; {@code agentOptions} ({@link #DIR} stands
     * for the fixture) null runs it without the agent, empty with a root there and the debug log.
     */
    private static Outcome run(String java, String scenario, String agentOptions) throws IOException {
        Path dir = fixture();
        List<String> command = new ArrayList<>(List.of(java));
        if (agentOptions != null) {
            String options = agentOptions.isEmpty() ? "root=" + dir + ",log=debug" : agentOptions.replace(DIR, dir.toString());
            command.add("-javaagent:" + AGENT + "=" + options);
        }
        command.addAll(List.of("-cp", AgentJvms.testClasses().toString(), AgentScenarios.class.getName(), scenario, dir.toString()));
        Run run = Run.of(command, dir, Map.of(), TIMEOUT).ok();
        return new Outcome(run, files(dir), staging(dir));
    }

    /** A fresh directory holding {@code f} ("old", 0640) and {@code source} ("new", 0751). */
    private static Path fixture() throws IOException {
        Path dir = Dxfs.scratch("agent-");
        Path f = dir.resolve("f");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Path source = dir.resolve("source");
        Files.writeString(source, "new");
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwxr-x--x"));
        return dir;
    }

    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path path : list.filter(Files::isRegularFile).toList()) {
                files.put(path.getFileName().toString(), Files.readString(path, UTF_8) + " "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            }
        }
        return files;
    }

    /** The staging directory ({@code .dxfs/}) and its entries, if it is there. */
    private static List<String> staging(Path dir) throws IOException {
        Path staging = dir.resolve(".dxfs");
        if (!Files.exists(staging)) {
            return List.of();
        }
        List<String> entries = new ArrayList<>(List.of(".dxfs/"));
        try (Stream<Path> list = Files.list(staging)) {
            list.forEach(path -> entries.add(path.getFileName().toString()));
        }
        return entries;
    }
}
