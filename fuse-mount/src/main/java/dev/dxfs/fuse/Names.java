package dev.dxfs.fuse;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * File names are bytes, not text: a name that is not UTF-8 must reach the backing directory
 * unchanged. The daemon holds names as Java strings with one char per byte (ISO-8859-1), which
 * round-trips every byte; {@link #text} decodes them as UTF-8 where a human or a glob reads them.
 */
public final class Names {
    private Names() {}

    /** The NUL-terminated name at {@code name}, one char per byte. */
    public static String of(Pointer name) {
        int length = (int) name.indexOf(0, (byte) 0);
        byte[] bytes = new byte[length];
        name.get(0, bytes, 0, length);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** A byte string from a Java string (a path given on the command line). */
    public static String bytes(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** The text a byte string stands for. */
    public static String text(String bytes) {
        return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
