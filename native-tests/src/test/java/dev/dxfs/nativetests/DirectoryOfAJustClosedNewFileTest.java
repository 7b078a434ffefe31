package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * A new file created with O_TRUNC exists in the backing directory only from its publish, at the
 * RELEASE that follows its writer's last close, and that RELEASE may still be in progress when
 * the writer's next call arrives. A directory holding such a file is not empty, as natively: an
 * rmdir of it, or a rename of an empty directory over it, fails with ENOTEMPTY. Each round is run
 * in lockstep with a plain directory; before the daemon waited for those releases, one round in
 * about ten removed the directory, and the file with it.
 */
class DirectoryOfAJustClosedNewFileTest {
    private static final int ROUNDS = 300;

    @Test
    void isNotEmptyToRmdir() throws IOException {
        runRounds(i -> List.of("mkdir d" + i + " 755", "open 0 d" + i + "/f wct 644", "write 0 100 " + i,
                "close 0", "rmdir d" + i));
    }

    @Test
    void isNotEmptyToARenameOverIt() throws IOException {
        runRounds(i -> List.of("mkdir d" + i + " 755", "mkdir e" + i + " 755", "open 0 d" + i + "/f wct 644",
                "write 0 100 " + i, "close 0", "rename e" + i + " d" + i));
    }

    private static void runRounds(IntFunction<List<String>> round) throws IOException {
        List<String> operations = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            operations.addAll(round.apply(i));
        }
        try (MountedDir mounted = MountedDir.create("just-closed-new-file").mount()) {
            Lockstep.Answers answers = new Lockstep(mounted).run(operations);
            answers.assertAlike();
            assertThat(answers.skipped()).isEmpty();
            assertThat(answers.lines()).filteredOn(line -> line.equals("same err ENOTEMPTY")).hasSize(ROUNDS);
        }
    }
}
