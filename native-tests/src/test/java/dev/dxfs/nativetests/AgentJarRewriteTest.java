package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The agent under real JVM tools: a JVM runs a program from {@code app.jar} that loads its
 * classes lazily over several seconds, while three other JVMs rewrite {@code app.jar} again and
 * again: the JDK's {@code jar} tool, {@code Files.copy} (which deletes the jar before writing
 * it), and a tool that writes it in place through a {@code FileOutputStream}. Meanwhile the test
 * reads the jar every few milliseconds. With the agent in the writers the running JVM never
 * fails and every read finds a whole jar; without it, the same race breaks one or the other.
 */
class AgentJarRewriteTest {
    private static final Path AGENT = AgentJvms.AGENT;
    private static final Path JAVA_BIN = AgentJvms.JDK_17;
    private static final int CLASSES = 150;
    private static final int REWRITES = 20;
    private static final String DATE = "--date=2020-01-01T00:00:02Z";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void aRunningJvmKeepsItsJarWhileToolsWithTheAgentRewriteIt() throws Exception {
        Race race = Race.prepare("agent-jar");
        Outcome outcome = race.run(true);

        assertThat(outcome.runner().err()).as("the running JVM").doesNotContain("Exception", "Error", "SIGBUS");
        assertThat(outcome.runner().exit()).as("%s", outcome.runner()).isZero();
        assertThat(outcome.runner().out()).isEqualTo("loaded " + CLASSES + "\n");
        assertThat(outcome.writers()).allSatisfy(writer -> assertThat(writer.exit()).as("%s", writer).isZero());
        assertThat(outcome.brokenReads()).as("reads of the jar that found it missing or partial").isZero();
        assertThat(outcome.jarIsWhole()).as("the final jar is readable").isTrue();
        assertThat(outcome.finalJar()).as("the final jar is one writer's output")
                .satisfiesAnyOf(bytes -> assertThat(bytes).isEqualTo(race.versionA()),
                        bytes -> assertThat(bytes).isEqualTo(race.versionB()));
    }

    @Test
    void withoutTheAgentTheSameRaceBreaksTheRunningJvmOrTheJar() throws Exception {
        Outcome outcome = Race.prepare("agent-jar-plain").run(false);

        boolean runnerFailed = outcome.runner().exit() != 0 || !outcome.runner().err().isEmpty();
        assertThat(runnerFailed || outcome.brokenReads() > 0)
                .as("the runner (%s) or a read of the jar fails without the agent", outcome.runner()).isTrue();
    }

    private record Outcome(Run runner, List<Run> writers, int reads, int brokenReads, byte[] finalJar,
            boolean jarIsWhole) {
        /** The figures of one race, printed with the test's output. */
        Outcome report(String label) {
            System.out.printf("%s: running JVM exit %d%s, %d of %d reads of the jar found it missing or partial%n",
                    label, runner.exit(), runner.err().isEmpty() ? "" : " (" + runner.err().lines().findFirst().orElse("")
                            + ")", brokenReads, reads);
            return this;
        }
    }

    /** A directory holding the classes of two versions of the app, their jars, and app.jar. */
    private record Race(Path dir, Path classes, Path jarA, Path jarB) {
        static Race prepare(String name) throws IOException {
            Path dir = Dxfs.scratch(name + "-");
            Path sources = Files.createDirectories(dir.resolve("src/app"));
            List<String> files = new ArrayList<>();
            for (int i = 0; i < CLASSES; i++) {
                Path source = sources.resolve("C" + i + ".java");
                Files.writeString(source, "package app; public class C" + i + " { public static int value() { return "
                        + i + "; } }\n");
                files.add(source.toString());
            }
            Path main = sources.resolve("Main.java");
            Files.writeString(main, """
                    package app;
                    public class Main {
                        public static void main(String[] args) throws Exception {
                            int loaded = 0;
                            for (int i = 0; i < %d; i++) {
                                loaded += Class.forName("app.C" + i).getMethod("value").invoke(null) != null ? 1 : 0;
                                Thread.sleep(40);
                            }
                            System.out.println("loaded " + loaded);
                        }
                    }
                    """.formatted(CLASSES));
            files.add(main.toString());
            Path classes = Files.createDirectories(dir.resolve("classes"));
            List<String> javac = new ArrayList<>(List.of("-d", classes.toString()));
            javac.addAll(files);
            assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, javac.toArray(String[]::new)))
                    .as("javac").isZero();
            // Version B puts a large resource first, so that every entry sits elsewhere than in A.
            Path padding = Files.createDirectories(dir.resolve("padding"));
            byte[] noise = new byte[256 * 1024];
            new java.util.Random(1).nextBytes(noise);
            Files.write(padding.resolve("padding.bin"), noise);
            Path jarA = dir.resolve("a.jar");
            Path jarB = dir.resolve("b.jar");
            jar(List.of("--create", DATE, "--file", jarA.toString(), "-C", classes.toString(), ".")).ok();
            jar(List.of("--create", DATE, "--file", jarB.toString(), "-C", padding.toString(), ".", "-C",
                    classes.toString(), ".")).ok();
            Files.createDirectories(dir.resolve("target"));
            Files.copy(jarA, dir.resolve("target/app.jar"));
            return new Race(dir, classes, jarA, jarB);
        }

        byte[] versionA() throws IOException {
            return Files.readAllBytes(jarA);
        }

        byte[] versionB() throws IOException {
            return Files.readAllBytes(jarB);
        }

        Outcome run(boolean agent) throws Exception {
            Path app = dir.resolve("target/app.jar");
            CompletableFuture<Run> runner = CompletableFuture.supplyAsync(() -> Run.of(List.of(
                    JAVA_BIN.resolve("java").toString(), "-cp", app.toString(), "app.Main"), dir, Map.of(), TIMEOUT));
            Thread.sleep(500);
            List<String> agentOption = agent
                    ? List.of("-javaagent:" + AGENT + "=root=" + dir.resolve("target")) : List.of();
            CompletableFuture<Run> jarTool = CompletableFuture.supplyAsync(() -> {
                List<String> script = new ArrayList<>();
                for (int i = 0; i < REWRITES; i++) {
                    List<String> command = new ArrayList<>(List.of(JAVA_BIN.resolve("jar").toString()));
                    agentOption.forEach(option -> command.add("-J" + option));
                    command.addAll(List.of("--create", DATE, "--file", app.toString(), "-C", classes.toString(), "."));
                    Run run = Run.of(command, dir, Map.of(), TIMEOUT);
                    if (run.exit() != 0) {
                        return run;
                    }
                    script.add(run.err());
                }
                return new Run(List.of("jar", "x" + REWRITES), 0, "", String.join("", script));
            });
            CompletableFuture<Run> copy = copyLoop("copy", agentOption, app);
            CompletableFuture<Run> stream = copyLoop("stream", agentOption, app);
            int reads = 0;
            int broken = 0;
            while (!(runner.isDone() && jarTool.isDone() && copy.isDone() && stream.isDone())) {
                reads++;
                broken += Jars.whole(app) ? 0 : 1;
                Thread.sleep(2);
            }
            List<Run> writers = List.of(jarTool.get(), copy.get(), stream.get());
            return new Outcome(runner.get(), writers, reads, broken, Files.readAllBytes(app), Jars.whole(app))
                    .report(agent ? "with the agent" : "without the agent");
        }

        private CompletableFuture<Run> copyLoop(String mode, List<String> agentOption, Path app) {
            List<String> command = new ArrayList<>(List.of(JAVA_BIN.resolve("java").toString()));
            command.addAll(agentOption);
            command.addAll(List.of("-cp", AgentJvms.testClasses().toString(), CopyLoop.class.getName(), mode, jarB.toString(),
                    app.toString(), Integer.toString(REWRITES), "150"));
            return CompletableFuture.supplyAsync(() -> Run.of(command, dir, Map.of(), TIMEOUT));
        }
    }

    private static Run jar(List<String> args) {
        List<String> command = new ArrayList<>(List.of(JAVA_BIN.resolve("jar").toString()));
        command.addAll(args);
        return Run.of(command, null, Map.of(), TIMEOUT);
    }
}
