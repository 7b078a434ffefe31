package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JVMs with the agent staging under one root at once share its staging directory, which each
 * removes when its last write there is settled and the directory is empty, and makes again for
 * its next write: another JVM's removal, at any moment, must never make a write go in place.
 * Four JVMs rewrite their own file in the root back to back, two through a FileOutputStream and
 * two with {@code Files.copy}, while the test reads the files: every write is staged (no
 * warning), every read finds a whole file, and nothing of the agent stays in the root.
 */
class AgentStagingRaceTest {
    private static final int WRITERS = 4;
    private static final int REWRITES = 300;
    private static final int SIZE = 300_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Test
    void anotherJvmRemovingTheStagingDirectoryNeverMakesAWriteGoInPlace() throws Exception {
        Path dir = Dxfs.scratch("agent-staging-race-");
        Path source = dir.resolve("source.bin");
        byte[] content = new byte[SIZE];
        new Random(7).nextBytes(content);
        Files.write(source, content);
        Path root = Files.createDirectories(dir.resolve("root"));
        List<Path> targets = new ArrayList<>();
        List<CompletableFuture<Run>> writers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            Path target = root.resolve("f" + i);
            Files.write(target, content);
            targets.add(target);
            List<String> command = List.of(AgentJvms.JDK_17.resolve("java").toString(),
                    "-javaagent:" + AgentJvms.AGENT + "=root=" + root, "-cp", AgentJvms.testClasses().toString(),
                    CopyLoop.class.getName(), i % 2 == 0 ? "stream" : "copy", source.toString(), target.toString(),
                    Integer.toString(REWRITES), "0");
            writers.add(CompletableFuture.supplyAsync(() -> Run.of(command, dir, Map.of(), TIMEOUT)));
        }
        int reads = 0;
        int broken = 0;
        while (!writers.stream().allMatch(CompletableFuture::isDone)) {
            for (Path target : targets) {
                reads++;
                broken += whole(target, content) ? 0 : 1;
            }
        }
        System.out.printf("%d of %d reads found a file missing or partial%n", broken, reads);

        for (CompletableFuture<Run> writer : writers) {
            Run run = writer.get();
            assertThat(run.exit()).as("%s", run).isZero();
            assertThat(run.err()).as("the agent's warnings: every write is staged").isEmpty();
        }
        assertThat(broken).as("reads that found a file missing or partial, of %d", reads).isZero();
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left.map(path -> path.getFileName().toString()).sorted())
                    .as("the root after the JVMs exited").containsExactly("f0", "f1", "f2", "f3");
        }
    }

    private static boolean whole(Path file, byte[] content) {
        try {
            return Files.size(file) == content.length && Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            return false;
        }
    }
}
