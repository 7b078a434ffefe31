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
import org.junit.jupiter.api.Test;

/**
 * Two Maven builds at once, offline, of two small projects whose jar goes to one shared path,
 * with the agent in {@code MAVEN_OPTS}: a reader polling the jar finds it whole every time.
 */
class AgentMavenTest {
    private static final Path AGENT = AgentJvms.AGENT;
    private static final int BUILDS = 3;
    private static final int CLASSES = 60;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Test
    void concurrentBuildsPublishTheSharedJarWhole() throws Exception {
        Path dir = Dxfs.scratch("agent-maven-");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path first = project(dir.resolve("first"), shared, "first");
        Path second = project(dir.resolve("second"), shared, "second");
        Map<String, String> env = Map.of("MAVEN_OPTS", "-javaagent:" + AGENT + "=root=" + shared);

        CompletableFuture<List<Run>> one = CompletableFuture.supplyAsync(() -> builds(first, env));
        CompletableFuture<List<Run>> two = CompletableFuture.supplyAsync(() -> builds(second, env));
        Path jar = shared.resolve("app.jar");
        int reads = 0;
        int broken = 0;
        while (!(one.isDone() && two.isDone())) {
            if (Files.exists(jar)) {
                reads++;
                broken += Jars.whole(jar) ? 0 : 1;
            }
            Thread.sleep(2);
        }
        System.out.printf("two concurrent mvn package with the agent: %d of %d reads of the jar found it partial%n",
                broken, reads);

        for (Run build : concat(one.get(), two.get())) {
            assertThat(build.exit()).as("%s", build).isZero();
            assertThat(build.err()).as("the build's stderr").doesNotContain("dxfs-agent");
        }
        assertThat(reads).as("reads of the jar while the builds ran").isPositive();
        assertThat(broken).as("reads that found the jar partial").isZero();
        assertThat(Jars.whole(jar)).isTrue();
        assertThat(shared.resolve(".dxfs")).as("the staging directory, removed by the last JVM done with it")
                .doesNotExist();
    }

    private static List<Run> concat(List<Run> a, List<Run> b) {
        List<Run> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<Run> builds(Path project, Map<String, String> env) {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            runs.add(Run.of(List.of("mvn", "-o", "-B", "-q", "package"), project, env, TIMEOUT));
        }
        return runs;
    }

    /** A project of {@link #CLASSES} classes whose jar goes to {@code shared/app.jar}. */
    private static Path project(Path dir, Path shared, String flavour) throws IOException {
        return MavenProject.write(dir, flavour, CLASSES, flavour, "<outputDirectory>" + shared
                + "</outputDirectory><finalName>app</finalName><forceCreation>true</forceCreation>");
    }
}
