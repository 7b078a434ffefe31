package dev.dxfs.nativetests;

import static dev.dxfs.nativetests.ShellScript.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fallocate(2)'s modes on a staged writer's handle, each run in a plain directory and in the
 * mount: the answer, the size the handle sees, and the file published at the close. The plain
 * directory is the expected value, on either transport, but for two modes: the kernel's FUSE
 * layer accepts only KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE and answers EOPNOTSUPP to
 * COLLAPSE_RANGE and INSERT_RANGE itself, before any request reaches a FUSE daemon (Linux 6.18
 * and before); there the mount's file stays as it was.
 */
class FallocateModesTest {
    private static final int PAGE = 4096;
    private static final String CONTENT = "0123456789abcdef".repeat(4 * PAGE / 16);
    private static final List<String> MODES = List.of("0", "keep", "punch|keep", "zero", "zero|keep", "punch",
            "collapse", "insert");
    private static final Set<String> REFUSED_BY_FUSE = Set.of("collapse", "insert");
    private static final int MIB = 1 << 20;
    /**
     * A file of 8 MiB and a page: a page of data, a hole, 4 MiB preallocated with 5 bytes
     * written inside, a hole, and a last page of data.
     */
    private static final List<String> SHAPED = List.of(
            "open {d}/shaped wronly|creat",
            "pwrite 3 0 " + hex(CONTENT.substring(0, PAGE)),
            "fallocate 3 keep " + MIB + " " + 4 * MIB,
            "pwrite 3 " + 3 * MIB + " " + hex("dirty"),
            "pwrite 3 " + 8 * MIB + " " + hex(CONTENT.substring(0, PAGE)),
            "close 3");
    /** An edit of the file, and a rewrite that writes it anew. */
    private static final List<String> OPENS = List.of("rdwr", "rdwr|trunc");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kernel", "libfuse"})
    void eachModeAnswersAsInAPlainDirectory(String transport) throws IOException {
        try (MountedDir m = MountedDir.create("fallocate-" + transport).mountWith(transport)) {
            Path plain = m.scratch();
            for (String open : OPENS) {
                for (String mode : MODES) {
                    String name = (open + "-" + mode).replace('|', '+');
                    Files.writeString(m.dir().resolve(name), CONTENT);
                    Files.writeString(plain.resolve(name), CONTENT);
                    List<String> script = script(name, open, mode);
                    List<String> inMount;
                    try (FsShell writer = FsShell.start()) {
                        int allocated = script.indexOf(fallocate(mode));
                        inMount = ShellScript.run(writer, m.dir(), script.subList(0, allocated + 1));
                        // The writer's change is in its temp file: others see the file as it was.
                        assertThat(m.dir().resolve(name)).as(name).hasContent(CONTENT);
                        inMount.addAll(ShellScript.run(writer, m.dir(), script.subList(allocated + 1, script.size())));
                    }
                    assertThat(inMount).as(name).isEqualTo(expected(plain, script, mode));
                }
            }
        }
    }

    /**
     * A write-open of a file with holes and a preallocated range stages a copy of the same shape:
     * the data copied, the holes left holes, the preallocation preallocated (not written as
     * zeros), as the plain directory keeps the file it edits in place.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kernel", "libfuse"})
    void anEditKeepsTheFilesHolesAndPreallocatedRanges(String transport) throws IOException {
        try (MountedDir m = MountedDir.create("shape-" + transport).mountWith(transport)) {
            List<String> script = new ArrayList<>(SHAPED);
            script.addAll(List.of("open {d}/shaped rdwr", "pwrite 3 20 " + hex("edit"), "close 3",
                    "open {d}/shaped rdonly", "blocks 3", "fstat 3", "close 3"));
            List<String> plain = ShellScript.run(m.scratch(), script);
            List<String> inMount = ShellScript.run(m.dir(), script);
            int blocks = script.indexOf("blocks 3");
            assertThat(withoutLine(inMount, blocks)).isEqualTo(withoutLine(plain, blocks));
            assertThat(Files.readAllBytes(m.dir().resolve("shaped")))
                    .isEqualTo(Files.readAllBytes(m.scratch().resolve("shaped")));
            // Of its 8 MiB, each file has its two pages and the preallocated 4 MiB allocated, and
            // perhaps a block of extent tree (whether the filesystem needs one depends on when it
            // wrote the page inside the preallocation back); a copy that wrote the preallocation
            // as zeros would have allocated every page up to the last one.
            long allocated = (2 * PAGE + 4 * MIB) / 512;
            for (List<String> transcript : List.of(plain, inMount)) {
                assertThat(Long.parseLong(transcript.get(blocks).replace("blocks 3 -> blocks ", "")))
                        .isBetween(allocated, allocated + PAGE / 512);
            }
        }
    }

    /**
     * lseek(2)'s SEEK_DATA and SEEK_HOLE find what they find in the plain directory, on a reader's
     * handle and on a staged writer's, before and after its first change. The kernel transport
     * only: libfuse 2's protocol has no LSEEK, and the kernel then counts the whole file as data.
     */
    @Test
    void seekingDataAndHolesFindsWhatAPlainDirectoryFinds() throws IOException {
        try (MountedDir m = MountedDir.create("seek").mountWith("kernel")) {
            List<String> script = new ArrayList<>(SHAPED);
            script.add("open {d}/shaped rdonly");
            script.addAll(seeks());
            script.addAll(List.of("close 3", "open {d}/shaped rdwr"));
            script.addAll(seeks());
            script.addAll(List.of("pwrite 3 " + 6 * MIB + " " + hex("late")));
            script.addAll(seeks());
            script.addAll(List.of("fallocate 3 punch|keep 0 " + PAGE, "seek 3 data 0", "close 3"));
            List<String> plain = ShellScript.run(m.scratch(), script);
            assertThat(ShellScript.run(m.dir(), script)).isEqualTo(plain);
            // What the comparison stands on: the plain file has holes where the seeks look.
            assertThat(plain).contains("seek 3 hole 0 -> at " + PAGE, "seek 3 data " + 4 * MIB + " -> at " + 8 * MIB,
                    "seek 3 data " + 4 * MIB + " -> at " + 6 * MIB);
        }
    }

    private static List<String> seeks() {
        List<String> seeks = new ArrayList<>();
        for (long at = 0; at < 9 * MIB; at += MIB) {
            seeks.add("seek 3 data " + at);
            seeks.add("seek 3 hole " + at);
        }
        return seeks;
    }

    private static List<String> withoutLine(List<String> transcript, int line) {
        List<String> rest = new ArrayList<>(transcript);
        rest.remove(line);
        return rest;
    }

    private static List<String> script(String name, String open, String mode) {
        List<String> script = new ArrayList<>(List.of("open {d}/" + name + " " + open));
        if (open.contains("trunc")) {
            script.add("pwrite 3 0 " + hex(CONTENT));
        }
        script.addAll(List.of(fallocate(mode), "fstat 3", "close 3", "open {d}/" + name + " rdonly", "readall 3"));
        return script;
    }

    private static String fallocate(String mode) {
        return "fallocate 3 " + mode + " " + PAGE + " " + PAGE;
    }

    /** The plain directory's transcript; for a mode FUSE refuses, that of the same steps without the call. */
    private static List<String> expected(Path plain, List<String> script, String mode) {
        if (!REFUSED_BY_FUSE.contains(mode)) {
            return ShellScript.run(plain, script);
        }
        List<String> without = new ArrayList<>(script);
        int at = without.indexOf(fallocate(mode));
        without.remove(at);
        List<String> expected = new ArrayList<>(ShellScript.run(plain, without));
        expected.add(at, fallocate(mode) + " -> err EOPNOTSUPP Operation not supported");
        return expected;
    }
}
