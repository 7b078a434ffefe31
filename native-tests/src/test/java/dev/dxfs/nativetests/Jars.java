package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Checks on jars that tools write while others read them. */
final class Jars {
    private Jars() {}

    /** Whether {@code jar} is there and every entry of it reads to its end. */
    static boolean whole(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(entry)) {
                    in.readAllBytes();
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
