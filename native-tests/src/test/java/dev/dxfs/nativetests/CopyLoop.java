package dev.dxfs.nativetests;

import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A JVM tool for the tests: writes {@code SOURCE}'s bytes over {@code TARGET} {@code N} times,
 * {@code PAUSE} ms apart, either with {@code Files.copy} ("copy") or, as many build tools write
 * their archives, through a {@code FileOutputStream} on the target, in small writes ("stream").
 */
public final class CopyLoop {
    private static final int CHUNK = 4096;

    private CopyLoop() {}

    public static void main(String[] args) throws Exception {
        boolean stream = args[0].equals("stream");
        Path source = Path.of(args[1]);
        Path target = Path.of(args[2]);
        int times = Integer.parseInt(args[3]);
        long pause = Long.parseLong(args[4]);
        for (int i = 0; i < times; i++) {
            if (stream) {
                try (InputStream in = Files.newInputStream(source);
                        OutputStream out = new FileOutputStream(target.toFile())) {
                    byte[] chunk = new byte[CHUNK];
                    for (int n = in.read(chunk); n > 0; n = in.read(chunk)) {
                        out.write(chunk, 0, n);
                    }
                }
            } else {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
            Thread.sleep(pause);
        }
    }
}
