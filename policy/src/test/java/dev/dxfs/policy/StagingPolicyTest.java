package dev.dxfs.policy;

import static dev.dxfs.policy.OpenFlags.FMODE_EXEC;
import static dev.dxfs.policy.OpenFlags.O_APPEND;
import static dev.dxfs.policy.OpenFlags.O_CREAT;
import static dev.dxfs.policy.OpenFlags.O_EXCL;
import static dev.dxfs.policy.OpenFlags.O_RDONLY;
import static dev.dxfs.policy.OpenFlags.O_RDWR;
import static dev.dxfs.policy.OpenFlags.O_TRUNC;
import static dev.dxfs.policy.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StagingPolicyTest {
    private static final StagingPolicy EVERYTHING = StagingPolicy.stageEverything();
    private static final StagingPolicy SOURCES_BUT_NOT_LOGS =
            new StagingPolicy(PathFilter.of(List.of("src/**"), List.of("*.log")));

    private static final String FILE = "out/classes/A.class";

    @ParameterizedTest
    @ValueSource(ints = {O_RDONLY, O_RDONLY | O_CREAT, O_RDONLY | O_APPEND, O_RDONLY | FMODE_EXEC})
    void readOnlyOpensAreReads(int flags) {
        assertThat(EVERYTHING.classify(FILE, flags, true)).isEqualTo(WriteKind.READ);
        assertThat(EVERYTHING.classify(FILE, flags, false)).isEqualTo(WriteKind.READ);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/a.log", flags, true)).isEqualTo(WriteKind.READ);
        assertThat(EVERYTHING.classify(StagingArea.DIRECTORY + "/x.tmp", flags, true))
                .isEqualTo(WriteKind.READ);
    }

    @Test
    void theOpenOfABinaryByExecveIsARead() {
        assertThat(EVERYTHING.classify("bin/tool", O_RDONLY | FMODE_EXEC, true)).isEqualTo(WriteKind.READ);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/tool", O_RDONLY | FMODE_EXEC, true))
                .isEqualTo(WriteKind.READ);
    }

    @ParameterizedTest
    @ValueSource(
            ints = {
                O_WRONLY | O_APPEND,
                O_RDWR | O_APPEND,
                O_WRONLY | O_APPEND | O_CREAT,
                O_WRONLY | O_APPEND | O_CREAT | O_EXCL,
                O_WRONLY | O_APPEND | O_TRUNC,
                O_RDWR | O_APPEND | O_TRUNC | O_CREAT
            })
    void appendsKeepNativeSemanticsWhetherOrNotTheFileExists(int flags) {
        assertThat(EVERYTHING.classify("build.log", flags, true)).isEqualTo(WriteKind.APPEND);
        assertThat(EVERYTHING.classify("build.log", flags, false)).isEqualTo(WriteKind.APPEND);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/Main.java", flags, true)).isEqualTo(WriteKind.APPEND);
    }

    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY | O_APPEND, O_RDWR | O_APPEND | O_TRUNC})
    void appendsOutsideTheStagedPathsAreNotStaged(int flags) {
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/a.log", flags, true).staged()).isFalse();
        assertThat(SOURCES_BUT_NOT_LOGS.classify("doc/a.txt", flags, false).staged()).isFalse();
        assertThat(EVERYTHING.classify(".dxfs/mount.1.a.1.tmp", flags, true).staged()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY | O_TRUNC, O_RDWR | O_TRUNC, O_WRONLY | O_TRUNC | O_CREAT, O_RDWR | O_TRUNC | O_CREAT})
    void truncatingAnExistingFileIsARewrite(int flags) {
        assertThat(EVERYTHING.classify(FILE, flags, true)).isEqualTo(WriteKind.REWRITE);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/Main.java", flags, true)).isEqualTo(WriteKind.REWRITE);
    }

    @ParameterizedTest
    @ValueSource(
            ints = {
                O_WRONLY | O_CREAT,
                O_RDWR | O_CREAT,
                O_WRONLY | O_CREAT | O_EXCL,
                O_RDWR | O_CREAT | O_EXCL,
                O_WRONLY | O_CREAT | O_TRUNC
            })
    void creatingAMissingFileIsARewrite(int flags) {
        assertThat(EVERYTHING.classify(FILE, flags, false)).isEqualTo(WriteKind.REWRITE);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/New.java", flags, false)).isEqualTo(WriteKind.REWRITE);
    }

    // There is no published version to copy, so the temp file starts empty.
    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY, O_RDWR})
    void writingAMissingFileWithoutCreateIsARewrite(int flags) {
        assertThat(EVERYTHING.classify(FILE, flags, false)).isEqualTo(WriteKind.REWRITE);
    }

    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY, O_RDWR, O_WRONLY | O_CREAT, O_RDWR | O_CREAT})
    void writingAnExistingFileInPlaceIsAnEdit(int flags) {
        assertThat(EVERYTHING.classify(FILE, flags, true)).isEqualTo(WriteKind.EDIT);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/Main.java", flags, true)).isEqualTo(WriteKind.EDIT);
    }

    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_EXCL})
    void writesToExcludedPathsAreUnstaged(int flags) {
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/build.log", flags, true)).isEqualTo(WriteKind.UNSTAGED);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/build.log", flags, false)).isEqualTo(WriteKind.UNSTAGED);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("src/deep/dir/build.log", flags, true))
                .isEqualTo(WriteKind.UNSTAGED);
    }

    @ParameterizedTest
    @ValueSource(ints = {O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_EXCL})
    void writesOutsideTheIncludedPathsAreUnstaged(int flags) {
        assertThat(SOURCES_BUT_NOT_LOGS.classify("doc/readme.txt", flags, true)).isEqualTo(WriteKind.UNSTAGED);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("doc/readme.txt", flags, false)).isEqualTo(WriteKind.UNSTAGED);
        assertThat(SOURCES_BUT_NOT_LOGS.classify("srcfile", flags, true)).isEqualTo(WriteKind.UNSTAGED);
    }

    // Staging a write to a temp file would need another temp file in the staging directory.
    @ParameterizedTest
    @ValueSource(strings = {".dxfs", ".dxfs/mount.42.abc.1.tmp", ".dxfs/agent.7.f00.3.tmp", ".dxfs/sub/x"})
    void writesToTheStagingDirectoryAreNeverStaged(String path) {
        StagingPolicy includingEverything = new StagingPolicy(PathFilter.of(List.of("**", "*"), List.of()));
        for (int flags : new int[] {O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_WRONLY | O_CREAT | O_EXCL}) {
            assertThat(EVERYTHING.classify(path, flags, true)).isEqualTo(WriteKind.UNSTAGED);
            assertThat(EVERYTHING.classify(path, flags, false)).isEqualTo(WriteKind.UNSTAGED);
            assertThat(includingEverything.classify(path, flags, true)).isEqualTo(WriteKind.UNSTAGED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".dxfsrc", ".dxfs.tmp", "a/.dxfs/x", "a/.dxfs", "x.dxfs"})
    void pathsThatOnlyLookLikeTheStagingDirectoryAreStaged(String path) {
        assertThat(EVERYTHING.classify(path, O_WRONLY | O_TRUNC, true)).isEqualTo(WriteKind.REWRITE);
        assertThat(EVERYTHING.classify(path, O_RDWR, true)).isEqualTo(WriteKind.EDIT);
    }

    @Test
    void truncateIsStagedExactlyWhereWritesAre() {
        assertThat(EVERYTHING.stagesTruncate(FILE)).isTrue();
        assertThat(EVERYTHING.stagesTruncate(".dxfsrc")).isTrue();
        assertThat(EVERYTHING.stagesTruncate(".dxfs")).isFalse();
        assertThat(EVERYTHING.stagesTruncate(".dxfs/mount.1.a.1.tmp")).isFalse();
        assertThat(SOURCES_BUT_NOT_LOGS.stagesTruncate("src/Main.java")).isTrue();
        assertThat(SOURCES_BUT_NOT_LOGS.stagesTruncate("src/build.log")).isFalse();
        assertThat(SOURCES_BUT_NOT_LOGS.stagesTruncate("doc/readme.txt")).isFalse();
    }

    private static final List<String> PATHS =
            List.of("src/Main.java", "src/a.log", "doc/readme.txt", "top.log", ".dxfs", ".dxfs/x.tmp", ".dxfsrc");

    // Every combination of the flags that matter (3 access modes, 5 flags, exists or not, 7
    // paths: 1,344 cases), against the rules of the class Javadoc stated one by one rather than
    // in classify's order.
    @Test
    void classificationFollowsTheRules() {
        int cases = 0;
        for (int accessMode : new int[] {O_RDONLY, O_WRONLY, O_RDWR}) {
            for (int bits = 0; bits < 1 << 5; bits++) {
                boolean create = (bits & 1) != 0;
                boolean exclusive = (bits & 2) != 0;
                boolean truncate = (bits & 4) != 0;
                boolean append = (bits & 8) != 0;
                boolean exec = (bits & 16) != 0;
                for (boolean exists : new boolean[] {false, true}) {
                    for (String path : PATHS) {
                        checkClassification(accessMode, create, exclusive, truncate, append, exec, exists, path);
                        cases++;
                    }
                }
            }
        }
        assertThat(cases).isEqualTo(1344);
    }

    private static void checkClassification(int accessMode, boolean create, boolean exclusive, boolean truncate,
            boolean append, boolean exec, boolean exists, String path) {
        int flags = accessMode
                | (create ? O_CREAT : 0)
                | (exclusive ? O_EXCL : 0)
                | (truncate ? O_TRUNC : 0)
                | (append ? O_APPEND : 0)
                | (exec ? FMODE_EXEC : 0);
        String which = "flags 0" + Integer.toOctalString(flags) + (exists ? " on the existing " : " on the missing ")
                + path;

        WriteKind kind = SOURCES_BUT_NOT_LOGS.classify(path, flags, exists);

        boolean readOnly = accessMode == O_RDONLY;
        boolean internal = path.equals(".dxfs") || path.startsWith(".dxfs/");
        boolean filtered = path.startsWith("src/") && !path.endsWith(".log");
        assertThat(kind == WriteKind.READ).as(which).isEqualTo(readOnly);
        assertThat(kind == WriteKind.APPEND).as(which).isEqualTo(!readOnly && append);
        assertThat(kind.staged()).as(which).isEqualTo(!readOnly && !append && !internal && filtered);
        assertThat(kind == WriteKind.UNSTAGED).as(which).isEqualTo(!readOnly && !append && !(filtered && !internal));
        if (kind.staged()) {
            assertThat(kind).as(which).isEqualTo(truncate || !exists ? WriteKind.REWRITE : WriteKind.EDIT);
        }
        assertThat(SOURCES_BUT_NOT_LOGS.stagesTruncate(path)).as(path).isEqualTo(filtered && !internal);
    }
}
