package dev.dxfs.mount;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The daemon's JVM options, kept in one file, {@code daemon.jvm-options} beside this class: the
 * launcher hands it to the JVM of dxfs mount as an argument file ({@code java @FILE}), and
 * {@link Mounter} reads it here for a daemon it starts itself. Read as the java launcher reads an
 * argument file of plain options: words, and comments from {@code #} to the end of the line.
 */
final class DaemonJvmOptions {
    static final String FILE = "daemon.jvm-options";

    private DaemonJvmOptions() {}

    static List<String> read() {
        try (InputStream in = DaemonJvmOptions.class.getResourceAsStream(FILE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + FILE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(line -> line.replaceFirst("#.*", "").strip())
                    .filter(line -> !line.isEmpty())
                    .flatMap(line -> Arrays.stream(line.split("\\s+")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
