package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A rename's path walk looks the old name up (a file just published has a name the kernel must
 * look up again), and the kernel sends the rename as soon as it has the answer, possibly before
 * the daemon's thread that answered has noted that the kernel may keep the name. The kernel
 * keeps the renamed name all the same, so a version published to the new name afterwards must
 * make it look the name up again: a stat then shows the new version, as natively. Several
 * processes run the rounds at once, in lockstep with plain directories, so that the daemon's
 * threads are often preempted; before the daemon counted such a name as kept, a few rounds in a
 * thousand showed the replaced version (its old size, no link left) on the kernel transport,
 * which keeps file names.
 */
class RenameAfterLookupTest {
    private static final int PROCESSES = 4;
    private static final int SCRIPTS_EACH = 2;
    private static final int ROUNDS = 300;

    @Test
    void aVersionPublishedToTheNewNameShowsAtOnce() throws Exception {
        ExecutorService processes = Executors.newFixedThreadPool(PROCESSES);
        try (MountedDir mounted = MountedDir.create("rename-after-lookup").mount()) {
            Lockstep lockstep = new Lockstep(mounted);
            List<Future<List<Lockstep.Answers>>> running = new ArrayList<>();
            for (int process = 0; process < PROCESSES; process++) {
                running.add(processes.submit(() -> runScripts(lockstep)));
            }
            List<Lockstep.Answers> scripts = new ArrayList<>();
            for (Future<List<Lockstep.Answers>> each : running) {
                scripts.addAll(each.get());
            }
            for (Lockstep.Answers answers : scripts) {
                answers.assertAlike();
                assertThat(answers.skipped()).isEmpty();
                assertThat(answers.lines()).filteredOn(line -> line.startsWith("same stat f mode=644 size=20 nlink=1"))
                        .hasSize(ROUNDS);
            }
        } finally {
            processes.shutdownNow();
        }
    }

    private static List<Lockstep.Answers> runScripts(Lockstep lockstep) throws IOException {
        List<Lockstep.Answers> answers = new ArrayList<>();
        for (int script = 0; script < SCRIPTS_EACH; script++) {
            answers.add(lockstep.run(rounds()));
        }
        return answers;
    }

    /** Each round publishes a new file, renames it, publishes a longer version to the new name and looks at it. */
    private static List<String> rounds() {
        List<String> operations = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            String from = "c" + i;
            String to = "d" + i;
            operations.addAll(List.of("open 0 " + from + " wct 644", "write 0 10 " + i, "close 0",
                    "rename " + from + " " + to, "open 0 " + to + " wt 644", "write 0 20 " + i, "close 0",
                    "stat " + to, "unlink " + to));
        }
        return operations;
    }
}
