package dev.dxfs.nativetests;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * Programs run in a child JVM, with or without the agent: each writes {@code DIR/f} through one
 * JDK API and prints what a reader of the file sees while the write is open and after it is
 * closed. What a reader sees is asked of another process: the writing JVM sees its own writes.
 */
public final class AgentScenarios {
    private AgentScenarios() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path f = dir.resolve("f");
        switch (args[0]) {
            case "FileOutputStream after attach" -> {
                // Started without the agent; the test loads it, then creates "go".
                System.out.println("waiting");
                while (!Files.exists(dir.resolve("go"))) {
                    Thread.sleep(10);
                }
                try (FileOutputStream out = new FileOutputStream(f.toString())) {
                    out.write("new".getBytes(UTF_8));
                    see("open", f);
                }
            }
            case "FileOutputStream(String)" -> {
                try (FileOutputStream out = new FileOutputStream(f.toString())) {
                    out.write("new".getBytes(UTF_8));
                    see("open", f);
                }
            }
            case "FileOutputStream(File)" -> {
                try (FileOutputStream out = new FileOutputStream(f.toFile())) {
                    out.write("new".getBytes(UTF_8));
                    see("open", f);
                }
            }
            case "FileOutputStream.getChannel" -> {
                try (FileOutputStream out = new FileOutputStream(f.toFile());
                        FileChannel channel = out.getChannel()) {
                    channel.write(ByteBuffer.wrap("new".getBytes(UTF_8)));
                    see("open", f);
                }
            }
            case "FileOutputStream append" -> {
                try (FileOutputStream out = new FileOutputStream(f.toFile(), true)) {
                    out.write("+new".getBytes(UTF_8));
                    see("open", f);
                }
            }
            case "RandomAccessFile rw", "RandomAccessFile rws", "RandomAccessFile rwd" -> {
                try (RandomAccessFile file = new RandomAccessFile(f.toFile(), args[0].substring(17))) {
                    file.seek(1);
                    file.write("EW".getBytes(UTF_8));
                    see("open", f);
                    file.seek(0);
                    System.out.println("own read: " + file.readLine());
                }
            }
            case "Files.newOutputStream" -> {
                try (OutputStream out = Files.newOutputStream(f)) {
                    out.write("new".getBytes(UTF_8));
                    see("open", f);
                }
            }
            case "Files.write" -> Files.write(f, "new".getBytes(UTF_8));
            case "Files.writeString" -> Files.writeString(f, "new");
            case "Files.newByteChannel TRUNCATE_EXISTING" -> channel(f, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            case "Files.newByteChannel CREATE" -> channel(dir.resolve("g"), StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
            case "Files.newByteChannel CREATE_NEW" -> {
                try {
                    channel(f, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                } catch (FileAlreadyExistsException e) {
                    System.out.println("FileAlreadyExistsException");
                }
                channel(dir.resolve("g"), StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            }
            case "Files.newByteChannel in place" -> {
                try (SeekableByteChannel channel = Files.newByteChannel(f, StandardOpenOption.WRITE)) {
                    channel.position(1);
                    channel.write(ByteBuffer.wrap("EW".getBytes(UTF_8)));
                    see("open", f);
                }
            }
            case "FileChannel.open mmap" -> {
                try (FileChannel channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 3);
                    map.put(0, (byte) 'N');
                    map.force();
                    see("open", f);
                }
            }
            case "Files.copy(Path, Path)" -> {
                Path source = dir.resolve("source");
                Files.copy(source, f, StandardCopyOption.REPLACE_EXISTING);
            }
            case "Files.copy(InputStream, Path)" -> Files.copy(new ByteArrayInputStream("new".getBytes(UTF_8)), f,
                    StandardCopyOption.REPLACE_EXISTING);
            case "Files.move" -> Files.move(dir.resolve("source"), f, StandardCopyOption.REPLACE_EXISTING);
            case "left to the garbage collector" -> {
                leak(f);
                for (int i = 0; i < 50 && "old".equals(AnotherProcess.content(f)); i++) {
                    System.gc();
                    Thread.sleep(20);
                }
            }
            case "left open at exit" -> {
                FileOutputStream out = new FileOutputStream(f.toFile());
                out.write("new".getBytes(UTF_8));
                see("open", f);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        see("closed", f);
        System.out.println("staging: " + Arrays.toString(new File(dir.toFile(), ".dxfs").list()));
    }

    private static void channel(Path path, StandardOpenOption... options) throws IOException, InterruptedException {
        try (SeekableByteChannel channel = Files.newByteChannel(path, options)) {
            channel.write(ByteBuffer.wrap("new".getBytes(UTF_8)));
            see("open", path);
        }
        see("closed", path);
    }

    private static void leak(Path f) throws IOException {
        FileOutputStream out = new FileOutputStream(f.toFile());
        out.write("new".getBytes(UTF_8));
    }

    /** What another process sees at {@code path}: its content and mode, or that it is absent. */
    private static void see(String when, Path path) throws IOException, InterruptedException {
        String content = AnotherProcess.content(path);
        if (content == null) {
            System.out.println(when + ": " + path.getFileName() + " absent");
            return;
        }
        System.out.println(when + ": " + path.getFileName() + " = " + content + " " + AnotherProcess.mode(path));
    }

    /** The scenarios, in the order the test runs them. */
    static final List<String> ALL = List.of("FileOutputStream(String)", "FileOutputStream(File)",
            "FileOutputStream.getChannel", "FileOutputStream append", "RandomAccessFile rw", "RandomAccessFile rws",
            "RandomAccessFile rwd", "Files.newOutputStream", "Files.write", "Files.writeString",
            "Files.newByteChannel TRUNCATE_EXISTING", "Files.newByteChannel CREATE", "Files.newByteChannel CREATE_NEW",
            "Files.newByteChannel in place", "FileChannel.open mmap", "Files.copy(Path, Path)",
            "Files.copy(InputStream, Path)", "Files.move", "left to the garbage collector", "left open at exit");
}
