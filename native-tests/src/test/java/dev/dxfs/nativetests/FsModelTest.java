package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.testsupport.RandomSequences;
import dev.dxfs.testsupport.Weighted;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The differential model test: random sequences of file system calls run in lockstep on a plain
 * directory (the model) and on a dxfs mount, by one native process ({@code fsmodel}), which
 * compares every answer: result, errno, data read (length and hash), type, mode, size, link
 * count and explicitly set mtime, and the whole tree at the end. A sequence stops at its first
 * disagreement, which is reported with its seed ({@code -Ddxfs.seed=SEED} replays it) and shrunk
 * to a short sequence that still disagrees.
 *
 * <p>Not compared, because dxfs changes them on purpose or they depend on the clock: inode
 * numbers (a publish is a new inode), atime and ctime, a directory's mtime (a publish is a rename
 * into it), block counts. The calls the model would answer differently on purpose are not run
 * at all: {@code fsmodel} judges them on the plain directory before the call and answers
 * "skip", with one of the reasons in {@link #INTENDED_DIFFERENCES}.
 */
class FsModelTest {
    /** Operations per sequence; more locally with -Ddxfs.model.operations=N (a replay of a seed needs the same N). */
    private static final int OPERATIONS_PER_SEQUENCE = Integer.getInteger("dxfs.model.operations", 500);
    /** 22,500 calls at the default length, a few in a hundred of them skipped. */
    private static final int SEQUENCES = 45;
    /** 20,000 calls compared per build at the default length. */
    private static final long MIN_COMPARED = OPERATIONS_PER_SEQUENCE * 40L;

    /** Why dxfs answers these differently from a plain directory: the policy, as README.md states it. */
    static final Map<String, String> INTENDED_DIFFERENCES = Map.of(
            "rewrite-of-hard-linked-file",
            "a write-open, path truncate or link of a file that has (or gets) another name: a rewrite publishes"
                    + " a new inode, so the other names keep the old content and the link counts split",
            "second-descriptor-beside-a-staged-writer",
            "a second descriptor of a file that a staged writer has open: each open sees the version it opened"
                    + " (or its own unpublished writes), never another descriptor's unpublished writes",
            "directory-holding-an-unpublished-new-file",
            "a listing, rmdir or rename while the process has a new file open that it created with O_TRUNC: the"
                    + " name exists only in the writer's own lookups until its first close publishes it, so its"
                    + " directory lists without it and is empty to rmdir and rename",
            "second-descriptor-of-an-executable",
            "a second descriptor of an executable file: every lookup of an executable gets a node of its own"
                    + " (an exec bans writes to its node), and the kernel keeps a size per node, so the file"
                    + " position an O_APPEND write leaves follows the size its own node knows (the data itself"
                    + " lands at the end)",
            "path-truncate-of-an-open-file",
            "truncate(2) of a path is an atomic staged rewrite: descriptors opened before keep the old version",
            "mmap-fallback-of-an-append-descriptor",
            "a shared mapping is refused on the libfuse transport's mount (see mmapwrite in fsmodel.c); the pwrite(2) fallback"
                    + " cannot write at an offset through an O_APPEND descriptor");

    private static final List<String> PATHS =
            List.of("a", "b", "c", "d0", "d1", "d0/a", "d0/b", "d0/d2", "d0/d2/a", "d1/a", "d1/b");
    private static final int SLOTS = 4;

    private static MountedDir mounted;
    private static Lockstep lockstep;
    private static final ModelTally TALLY = new ModelTally();
    /** What the test ran, once every sequence has passed. */
    private static RandomSequences.Checked checked;

    @BeforeAll
    static void mount() {
        mounted = MountedDir.create("model").mount();
        lockstep = new Lockstep(mounted);
    }

    @AfterAll
    static void unmountAndReport() {
        try {
            System.out.println("model test: " + TALLY);
            if (checked == null || checked.cases() < SEQUENCES) {
                return; // a failed sequence, or one replayed from its seed: too few calls for the counts below
            }
            assertThat(TALLY.compared()).as("operations compared").isGreaterThanOrEqualTo(MIN_COMPARED);
            assertThat(TALLY.skipped()).as("skipped operations").isLessThan(TALLY.compared() / 5);
            assertThat(TALLY.kindsSucceeded()).as("operation kinds that succeeded at least once")
                    .containsAll(List.of("open", "close", "write", "pwrite", "read", "pread", "fstat", "stat",
                            "ftruncate", "truncate", "rename", "link", "unlink", "mkdir", "rmdir", "chmod",
                            "fchmod", "utimens", "readdir", "cat", "mmapwrite", "mmapread", "fallocate",
                            "copyrange"));
        } finally {
            mounted.close();
        }
    }

    @Test
    void theMountAnswersLikeAPlainDirectory() {
        // Shrinking reruns the sequence on new directories, about 0.1 s a run at full length.
        checked = RandomSequences.of(FsModelTest::sequence).tries(SEQUENCES).shrinkingAtMost(Duration.ofMinutes(3))
                .check(FsModelTest::runOnBothRoots);
    }

    private static void runOnBothRoots(List<String> operations) throws IOException {
        Lockstep.Answers answers = lockstep.run(operations);
        TALLY.add(operations, answers.lines());
        answers.assertAlike();
        assertThat(answers.skipped()).allSatisfy(reason -> assertThat(INTENDED_DIFFERENCES).containsKey(reason));
    }

    private static final Weighted<Integer> LENGTH_BOUNDS = new Weighted<Integer>().or(3, 64).or(3, 9000).or(1, 300_000);
    private static final List<String> MODES = List.of("644", "600", "755", "444", "700", "640");
    private static final List<String> ACCESS = List.of("r", "w", "rw");
    /**
     * fallocate's modes as numbers: allocate, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE and with
     * KEEP_SIZE. Not COLLAPSE_RANGE or INSERT_RANGE, which the kernel's FUSE layer refuses itself
     * (FallocateModesTest).
     */
    private static final List<String> FALLOCATE_MODES = List.of("0", "1", "3", "16", "17");

    private static String path(SplittableRandom random) {
        return Weighted.oneOf(random, PATHS);
    }

    private static int slot(SplittableRandom random) {
        return random.nextInt(SLOTS);
    }

    private static int length(SplittableRandom random) {
        return random.nextInt(LENGTH_BOUNDS.pick(random) + 1);
    }

    private static int offset(SplittableRandom random) {
        return random.nextInt(20_001);
    }

    private static int seed(SplittableRandom random) {
        return random.nextInt((1 << 20) + 1);
    }

    private static String mode(SplittableRandom random) {
        return Weighted.oneOf(random, MODES);
    }

    private static String flags(SplittableRandom random) {
        return Weighted.oneOf(random, ACCESS) + (chance(random, 50) ? "c" : "") + (chance(random, 15) ? "x" : "")
                + (chance(random, 30) ? "t" : "") + (chance(random, 15) ? "a" : "");
    }

    private static boolean chance(SplittableRandom random, int percent) {
        return random.nextInt(100) < percent;
    }

    /** Each kind of call, as often as its weight, with its arguments drawn as fsmodel reads them. */
    private static final Weighted<Function<SplittableRandom, String>> OPERATIONS =
            new Weighted<Function<SplittableRandom, String>>()
                    .or(14, r -> "open " + slot(r) + " " + path(r) + " " + flags(r) + " " + mode(r))
                    .or(7, r -> "close " + slot(r))
                    .or(10, r -> "write " + slot(r) + " " + length(r) + " " + seed(r))
                    .or(7, r -> "pwrite " + slot(r) + " " + offset(r) + " " + length(r) + " " + seed(r))
                    .or(4, r -> "mmapwrite " + slot(r) + " " + offset(r) + " " + length(r) + " " + seed(r))
                    .or(3, r -> "mmapread " + slot(r) + " " + offset(r) + " " + length(r))
                    .or(3, r -> "fallocate " + slot(r) + " " + Weighted.oneOf(r, FALLOCATE_MODES) + " " + offset(r)
                            + " " + length(r))
                    .or(3, r -> "copyrange " + slot(r) + " " + slot(r) + " " + offset(r) + " " + offset(r) + " "
                            + length(r))
                    .or(4, r -> "read " + slot(r) + " " + length(r))
                    .or(4, r -> "pread " + slot(r) + " " + offset(r) + " " + length(r))
                    .or(5, r -> "fstat " + slot(r))
                    .or(3, r -> "ftruncate " + slot(r) + " " + offset(r))
                    .or(2, r -> "fchmod " + slot(r) + " " + mode(r))
                    .or(6, r -> "stat " + path(r))
                    .or(5, r -> "cat " + path(r))
                    .or(3, r -> "readdir " + path(r))
                    .or(3, r -> "truncate " + path(r) + " " + offset(r))
                    .or(5, r -> "rename " + path(r) + " " + path(r))
                    .or(3, r -> "link " + path(r) + " " + path(r))
                    .or(4, r -> "unlink " + path(r))
                    .or(5, r -> "mkdir " + path(r) + " " + mode(r))
                    .or(2, r -> "rmdir " + path(r))
                    .or(3, r -> "chmod " + path(r) + " " + mode(r))
                    .or(3, r -> "utimens " + path(r) + " " + (1 + r.nextInt(99_999_999)))
                    .or(1, r -> "tree");

    /** Always the full length, so that each build runs as many calls; shrinking shortens a failing one. */
    private static List<String> sequence(SplittableRandom random) {
        List<String> operations = new ArrayList<>(OPERATIONS_PER_SEQUENCE);
        for (int i = 0; i < OPERATIONS_PER_SEQUENCE; i++) {
            operations.add(OPERATIONS.pick(random).apply(random));
        }
        return operations;
    }
}
