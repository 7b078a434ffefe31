package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Several {@code dxfs mount DIR} of one directory started at once, as a shell's {@code for i in 1
 * 2 3 4; do dxfs mount DIR & done} starts them: one mounts, the others say DIR is already a dxfs
 * mount, every round. Without a lock held from the look at the mount table until the mount is
 * live, two of them found nothing mounted and stacked two mounts.
 */
class ConcurrentMountTest {
    private static final int COMMANDS = 4;
    private static final int ROUNDS = 20;

    @Test
    void ofSeveralMountsOfOneDirectoryAtOnceExactlyOneMounts() {
        ExecutorService starters = Executors.newFixedThreadPool(COMMANDS);
        try (MountedDir m = MountedDir.create("concurrent-mounts")) {
            try {
                for (int round = 1; round <= ROUNDS; round++) {
                    mountAtOnce(m, round, starters);
                }
            } finally {
                // Mounts a failed round stacked: a lazy unmount takes off the top one, and its
                // daemon then exits.
                for (int i = 0; i < COMMANDS && Dxfs.mountCount(m.dir()) > 1; i++) {
                    Run.of(List.of("fusermount", "-uz", m.dir().toString()));
                }
            }
        } finally {
            starters.shutdownNow();
        }
    }

    private static void mountAtOnce(MountedDir m, int round, ExecutorService starters) {
        List<CompletableFuture<Run>> started = IntStream.range(0, COMMANDS)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> Dxfs.run("mount", m.dir().toString()), starters))
                .toList();
        List<Run> runs = started.stream().map(CompletableFuture::join).toList();

        List<Run> mounted = runs.stream().filter(run -> run.exit() == 0).toList();
        assertThat(mounted).as("round %d: the commands that mounted", round).hasSize(1);
        assertThat(mounted.get(0).out()).isEqualTo("dxfs: mounted over " + m.dir() + "\n");
        for (Run refused : runs) {
            if (refused.exit() != 0) {
                assertThat(refused.exit()).as("round %d: %s", round, refused).isEqualTo(1);
                refused.failsWithOneLine(m.dir() + " is already a dxfs mount");
            }
        }
        assertThat(Dxfs.mountCount(m.dir())).as("round %d: mounts at %s", round, m.dir()).isEqualTo(1);
        m.unmount();
        assertThat(Dxfs.mountCount(m.dir())).as("round %d: mounts left", round).isZero();
    }
}
