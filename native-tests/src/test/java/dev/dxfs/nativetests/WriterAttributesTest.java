package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A writer's own {@code futimens}, {@code fchown} and {@code fchmod} of a file it has not closed
 * yet, as tar makes them for each file it extracts, compared with a plain directory: what the
 * writer sees of its file by its descriptor and by name before the close, and what everyone sees
 * once it is closed. A chown clears the setuid bit, and the setgid bit of a program, even
 * root's: the kernel's FUSE layer leaves that to the daemon (HANDLE_KILLPRIV), which must clear
 * them from what the writer will publish.
 */
class WriterAttributesTest {
    private static final int NOBODY = 65534;
    private static final long MTIME = 1_000_000_000L;

    @Test
    void aWritersOwnAttributeChangesShowAsInAPlainDirectory() throws IOException {
        try (MountedDir plain = MountedDir.create("writer-attributes-plain");
                MountedDir mounted = MountedDir.create("writer-attributes")) {
            String expected = transcript(plain.dir());
            mounted.mount();
            String seen = transcript(mounted.dir());

            assertThat(expected).as("the plain directory's").contains("chown of 4755: 755", "chown of 2745: 2745");
            assertThat(seen).as("through the mount").isEqualTo(expected);
        }
    }

    private static String transcript(Path dir) throws IOException {
        StringBuilder out = new StringBuilder();
        Path rewritten = dir.resolve("rewritten");
        Files.writeString(rewritten, "old\n");
        Run.of(List.of("chmod", "4755", rewritten.toString())).ok();
        try (FsShell writer = FsShell.start()) {
            // As tar extracts a file: times, owner, then mode.
            Path extracted = dir.resolve("extracted");
            int fd = writer.open(extracted, "wronly|creat|excl", 0600);
            writer.write(fd, "content\n");
            writer.ok("futimens " + fd + " " + MTIME);
            writer.ok("fchown " + fd + " " + NOBODY + " " + NOBODY);
            writer.ok("fchmod " + fd + " 644");
            out.append(ownView(writer, fd, extracted, "extracted"));
            writer.close(fd);
            out.append("extracted, closed: ").append(everyonesView(extracted)).append('\n');

            for (int mode : new int[] {04755, 02755, 02745}) {
                Path file = dir.resolve("setid-" + Integer.toOctalString(mode));
                int created = writer.open(file, "wronly|creat|excl", 0600);
                writer.write(created, "program\n");
                writer.ok("futimens " + created + " " + MTIME);
                writer.ok("fchmod " + created + " " + Integer.toOctalString(mode));
                writer.ok("fchown " + created + " 0 0");
                out.append("chown of ").append(Integer.toOctalString(mode)).append(": ")
                        .append(Integer.toOctalString(writer.fstat(created).mode())).append('\n');
                writer.close(created);
                out.append(file.getFileName()).append(", closed: ").append(everyonesView(file)).append('\n');
            }

            // Root rewriting a setuid program keeps the bit; its chown then clears it.
            int rewrite = writer.open(rewritten, "wronly|trunc");
            writer.write(rewrite, "new\n");
            writer.ok("futimens " + rewrite + " " + MTIME);
            out.append(ownView(writer, rewrite, rewritten, "rewritten"));
            writer.ok("fchown " + rewrite + " " + NOBODY + " " + NOBODY);
            out.append(ownView(writer, rewrite, rewritten, "rewritten, after its chown"));
            writer.close(rewrite);
            out.append("rewritten, closed: ").append(everyonesView(rewritten)).append('\n');
        }
        return out.toString();
    }

    /** The writer's own view: by its descriptor and by name. */
    private static String ownView(FsShell writer, int fd, Path file, String what) {
        FsShell.Stat byDescriptor = writer.fstat(fd);
        FsShell.Stat byName = writer.stat(file);
        return what + ", its writer's: mode " + Integer.toOctalString(byDescriptor.mode()) + " size "
                + byDescriptor.size() + ", by name mode " + Integer.toOctalString(byName.mode()) + " size "
                + byName.size() + '\n';
    }

    /** Mode, owner, group, modification time and size, as another process sees them. */
    private static String everyonesView(Path file) {
        return Run.of(List.of("stat", "-c", "%a %u %g %Y %s", file.toString())).ok().out().trim();
    }
}
