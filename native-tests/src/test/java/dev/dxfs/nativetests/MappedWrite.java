package dev.dxfs.nativetests;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;

/**
 * A change of a file that no watch hears of: a write through a shared mapping sets the file's
 * modification time at the page fault, and neither fanotify nor inotify reports it (only
 * write(2) and truncate do). So a test can tell whether the kernel kept a name and attributes it
 * was answered with, with a change the daemon cannot know of.
 */
final class MappedWrite {
    private MappedWrite() {}

    /** Writes the first byte of {@code file} (not through a mount) through a mapping; returns its new modification time. */
    static FileTime change(Path file) throws IOException {
        MappedByteBuffer mapping;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, 1);
        }
        mapping.put(0, (byte) (mapping.get(0) + 1));
        mapping.force();
        return Files.getLastModifiedTime(file);
    }
}
