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
 * write(2), truncate and the close of a descriptor open for writing do). The descriptor the
 * mapping was made with stays open until this is closed, after the test has looked: its close
 * would be heard. So a test can tell whether the kernel kept a name and attributes it was
 * answered with, with a change the daemon cannot know of.
 */
final class MappedWrite implements AutoCloseable {
    private final FileChannel channel;
    private final Path file;

    private MappedWrite(FileChannel channel, Path file) {
        this.channel = channel;
        this.file = file;
    }

    /** {@code file} (not through a mount), open for a write through a mapping. */
    static MappedWrite of(Path file) throws IOException {
        return new MappedWrite(FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE), file);
    }

    /** Writes the first byte through a mapping; returns the file's new modification time. */
    FileTime change() throws IOException {
        MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, 1);
        mapping.put(0, (byte) (mapping.get(0) + 1));
        mapping.force();
        return Files.getLastModifiedTime(file);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
