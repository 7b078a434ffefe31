package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the daemon asks of the kernel when it publishes, seen with strace: with --fsync, the temp
 * file is synced before the rename and the target's directory after it; without, a commit is the
 * rename alone (atomic, not durable).
 */
class DurabilityTest {
    private static final String TRACED = "fsync,fdatasync,sync_file_range,syncfs,rename,renameat,renameat2";
    private static final Pattern RENAME = Pattern.compile(
            "(\\d+) +renameat2?\\(\\d+<([^>]+)>, \"([^\"]+)\", \\d+<([^>]+)>, \"([^\"]+)\".*\\) = 0");
    /** strace marks a file without a name after the path: {@code 14</dir/#123>(deleted)}. */
    private static final Pattern FSYNC = Pattern.compile("(\\d+) +fsync\\(\\d+<([^>]+)>(\\(deleted\\))?\\) = 0");

    /** One rename of a temp file over a published name, with the syncs its thread made around it. */
    record Publication(String staging, String dir, String name, String syncBefore, String syncAfter) {}

    @Test
    void withFsyncTheTempFileIsSyncedBeforeTheRenameAndItsDirectoryAfter() throws Exception {
        try (MountedDir m = MountedDir.create("fsync")) {
            m.mount("--fsync");
            List<String> trace = traceTwoCommits(m);

            List<Publication> publications = publications(trace);
            assertThat(publications).as("trace:\n%s", String.join("\n", trace)).hasSize(2);
            for (Publication p : publications) {
                // The temp file is written without a name, beside its target, and named in the
                // staging directory only for the rename.
                assertThat(p.syncBefore()).as("synced before the rename of %s", p.name())
                        .matches(Pattern.quote(p.dir()) + "/#\\d+ \\(deleted\\)");
                assertThat(p.staging()).as("renamed from").isEqualTo(m.dir().resolve(".dxfs").toString());
                assertThat(p.syncAfter()).as("synced after the rename of %s", p.name()).isEqualTo(p.dir());
            }
            assertThat(publications).extracting(Publication::dir)
                    .containsExactly(m.dir().toString(), m.dir().resolve("sub").toString());
        }
    }

    @Test
    void withoutFsyncACommitIsTheRenameAlone() throws Exception {
        try (MountedDir m = MountedDir.create("nofsync")) {
            m.mount();
            List<String> trace = traceTwoCommits(m);

            assertThat(publications(trace)).as("trace:\n%s", String.join("\n", trace)).hasSize(2);
            assertThat(trace).filteredOn(line -> line.matches("\\d+ +(fsync|fdatasync|sync_file_range|syncfs)\\(.*"))
                    .as("syncs").isEmpty();
        }
    }

    /** Writes a file at the root and one in a subdirectory, each with one open and one close. */
    private static List<String> traceTwoCommits(MountedDir m) throws Exception {
        Files.createDirectory(m.dir().resolve("sub"));
        Path output = m.scratch().resolve("strace.txt");
        try (SyscallTrace strace = SyscallTrace.attach(m.statusField("pid"), m.dir(), output, TRACED)) {
            Files.writeString(m.dir().resolve("a.txt"), "first");
            Files.writeString(m.dir().resolve("sub").resolve("b.txt"), "second");
            assertThat(Files.readString(m.dir().resolve("sub").resolve("b.txt"))).isEqualTo("second");
            return strace.stop();
        }
    }

    private static List<Publication> publications(List<String> trace) {
        List<Publication> publications = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            Matcher rename = RENAME.matcher(trace.get(i));
            if (rename.matches()) {
                String tid = rename.group(1);
                publications.add(new Publication(rename.group(2), rename.group(4), rename.group(5),
                        syncBy(trace, tid, i, -1), syncBy(trace, tid, i, 1)));
            }
        }
        return publications;
    }

    /** The path synced by the call thread {@code tid} made just before or after line {@code at}. */
    private static String syncBy(List<String> trace, String tid, int at, int step) {
        for (int i = at + step; i >= 0 && i < trace.size(); i += step) {
            if (trace.get(i).startsWith(tid + " ")) {
                Matcher fsync = FSYNC.matcher(trace.get(i));
                if (!fsync.matches()) {
                    return null;
                }
                return fsync.group(3) == null ? fsync.group(2) : fsync.group(2) + " (deleted)";
            }
        }
        return null;
    }
}
