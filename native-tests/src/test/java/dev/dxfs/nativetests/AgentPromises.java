package dev.dxfs.nativetests;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Programs run in a child JVM with and without the agent, for {@link AgentPromisesTest}: each
 * prints one line per step, {@code step: ok} or the exception the step threw (the scenario's
 * directory written {@code DIR}), so that two runs compare line by line.
 */
public final class AgentPromises {
    /** A write bigger than the test's small disk. */
    static final int TOO_BIG = 1536 << 10;

    private static String dir;

    private AgentPromises() {}

    private interface Step {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        dir = args[1];
        Path d = Path.of(dir);
        switch (args[0]) {
            // Item 1: on a full disk (the test mounts a small tmpfs at DIR, holding f).
            case "full FileOutputStream" -> fullStream(d.resolve("f"));
            case "full FileOutputStream new file" -> fullStream(d.resolve("g"));
            case "full FileOutputStream.getChannel" -> {
                FileOutputStream[] out = new FileOutputStream[1];
                step("open", () -> out[0] = new FileOutputStream(d.resolve("f").toFile()));
                step("write", () -> {
                    ByteBuffer buffer = ByteBuffer.wrap(new byte[TOO_BIG]);
                    while (buffer.hasRemaining()) {
                        out[0].getChannel().write(buffer);
                    }
                });
                step("close", () -> out[0].close());
            }
            case "full Files.write" -> step("Files.write", () -> Files.write(d.resolve("f"), new byte[TOO_BIG]));
            case "full Files.newOutputStream" -> {
                OutputStream[] out = new OutputStream[1];
                step("open", () -> out[0] = Files.newOutputStream(d.resolve("f")));
                step("write", () -> out[0].write(new byte[TOO_BIG]));
                step("close", () -> out[0].close());
            }
            case "full RandomAccessFile rw" -> {
                RandomAccessFile[] file = new RandomAccessFile[1];
                step("open", () -> file[0] = new RandomAccessFile(d.resolve("f").toFile(), "rw"));
                if (file[0] != null) {
                    step("write", () -> {
                        file[0].write('X');
                        file[0].seek(file[0].length());
                        file[0].write(new byte[TOO_BIG]);
                    });
                    step("close", () -> file[0].close());
                }
            }
            case "full FileChannel in place" -> {
                FileChannel[] channel = new FileChannel[1];
                step("open", () -> channel[0] = FileChannel.open(d.resolve("f"), StandardOpenOption.WRITE));
                if (channel[0] != null) {
                    step("write", () -> {
                        ByteBuffer buffer = ByteBuffer.wrap(new byte[TOO_BIG]);
                        while (buffer.hasRemaining()) {
                            channel[0].write(buffer, channel[0].size());
                        }
                    });
                    step("close", () -> channel[0].close());
                }
            }
            // Item 2: run as a user who is not root; the test lays out the files.
            case "permissions" -> {
                Path ro = d.resolve("readonly");
                step("FileOutputStream readonly", () -> new FileOutputStream(ro.toFile()).close());
                step("RandomAccessFile rw readonly", () -> new RandomAccessFile(ro.toFile(), "rw").close());
                step("Files.write readonly", () -> Files.write(ro, "new".getBytes(UTF_8)));
                step("Files.newOutputStream readonly", () -> Files.newOutputStream(ro).close());
                step("FileChannel.open readonly", () -> FileChannel.open(ro, StandardOpenOption.WRITE).close());
                step("FileOutputStream others", () -> write(d.resolve("others")));
                step("FileOutputStream group", () -> write(d.resolve("group")));
                step("FileOutputStream sealed/mine", () -> write(d.resolve("sealed/mine")));
                step("FileOutputStream sealed/new", () -> write(d.resolve("sealed/new")));
                step("Files.write sealed/new2", () -> Files.write(d.resolve("sealed/new2"), "new".getBytes(UTF_8)));
                step("FileOutputStream missing/new", () -> write(d.resolve("missing/new")));
                step("FileOutputStream own", () -> write(d.resolve("own")));
                step("Files.write created", () -> Files.write(d.resolve("created"), "new".getBytes(UTF_8)));
            }
            // Item 3: the mode a new file is asked for.
            case "requested mode" -> {
                step("newByteChannel rw-------", () -> channel(d.resolve("g"), Set.of(StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------"))));
                step("FileChannel.open rwxrwxrwx", () -> FileChannel.open(d.resolve("h"), Set.of(
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rwxrwxrwx"))).close());
                step("newByteChannel existing rw-------", () -> channel(d.resolve("f"), Set.of(
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
                step("newByteChannel unsupported attribute", () -> channel(d.resolve("i"), Set.of(
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE), new FileAttribute<String>() {
                            @Override
                            public String name() {
                                return "dos:hidden";
                            }

                            @Override
                            public String value() {
                                return "true";
                            }
                        }));
            }
            // Item 4: a file open for writing is deleted or renamed by its writer.
            case "delete" -> {
                openDelete(d.resolve("f"), "File.delete", file -> System.out.println("deleted: " + file.toFile().delete()));
                openDelete(d.resolve("g"), "File.delete", file -> System.out.println("deleted: " + file.toFile().delete()));
                openDelete(d.resolve("f2"), "Files.delete", Files::delete);
                openDelete(d.resolve("g2"), "Files.deleteIfExists",
                        file -> System.out.println("deleted: " + Files.deleteIfExists(file)));
                // The JDK's copy and move delete their target first, and make a new file.
                openReplace(d.resolve("f5"), "Files.copy", (source, file) -> Files.copy(source, file,
                        StandardCopyOption.REPLACE_EXISTING));
                openReplace(d.resolve("g5"), "Files.copy", (source, file) -> Files.copy(source, file,
                        StandardCopyOption.REPLACE_EXISTING));
                openReplace(d.resolve("f6"), "Files.copy from a stream", (source, file) -> Files.copy(
                        Files.newInputStream(source), file, StandardCopyOption.REPLACE_EXISTING));
                openReplace(d.resolve("f7"), "Files.move", (source, file) -> Files.move(source, file,
                        StandardCopyOption.REPLACE_EXISTING));
            }
            case "rename" -> {
                openRename(d.resolve("f"), d.resolve("h"), "File.renameTo",
                        (from, to) -> System.out.println("renamed: " + from.toFile().renameTo(to.toFile())));
                openRename(d.resolve("g"), d.resolve("i"), "File.renameTo",
                        (from, to) -> System.out.println("renamed: " + from.toFile().renameTo(to.toFile())));
                openRename(d.resolve("f2"), d.resolve("h2"), "Files.move ATOMIC_MOVE",
                        (from, to) -> Files.move(from, to, StandardCopyOption.ATOMIC_MOVE));
                openRename(d.resolve("g2"), d.resolve("i2"), "Files.move ATOMIC_MOVE",
                        (from, to) -> Files.move(from, to, StandardCopyOption.ATOMIC_MOVE));
                openRename(d.resolve("f3"), d.resolve("h3"), "Files.move", (from, to) -> Files.move(from, to));
                openRename(d.resolve("g3"), d.resolve("i3"), "Files.move", (from, to) -> Files.move(from, to));
            }
            // Item 5: what the agent leaves in a root.
            case "hold open" -> {
                // Killed by the test while the write is open.
                FileOutputStream out = new FileOutputStream(d.resolve("f").toFile());
                out.write("new".getBytes(UTF_8));
                System.out.println("open");
                Thread.sleep(Long.MAX_VALUE);
            }
            // Item 6: the root, or the path written, reached through a symlink (the test lays them out).
            case "symlinks" -> {
                for (String name : List.of("link/f", "real/g", "link/s", "real/d")) {
                    step("FileOutputStream " + name, () -> {
                        try (FileOutputStream out = new FileOutputStream(d.resolve(name).toFile())) {
                            out.write("new".getBytes(UTF_8));
                            System.out.println(name + " while open: " + seenByAnotherProcess(d.resolve(name)));
                        }
                    });
                }
                step("Files.write link/h", () -> Files.write(d.resolve("link/h"), "new".getBytes(UTF_8)));
            }
            // Item 7: under a SecurityManager whose policy lets the program write in open/ and only write in
            // writeonly/, and read open/ and closed/.
            case "security manager" -> {
                Path open = d.resolve("open");
                Path closed = d.resolve("closed");
                step("FileOutputStream open/f", () -> {
                    try (FileOutputStream out = new FileOutputStream(open.resolve("f").toFile())) {
                        out.write("new".getBytes(UTF_8));
                        System.out.println("open/f while open: " + seenByAnotherProcess(open.resolve("f")));
                    }
                });
                step("Files.write open/g", () -> Files.write(open.resolve("g"), "new".getBytes(UTF_8)));
                step("Files.copy open/g open/h", () -> Files.copy(open.resolve("g"), open.resolve("h"),
                        StandardCopyOption.REPLACE_EXISTING));
                step("Files.move open/h open/i", () -> Files.move(open.resolve("h"), open.resolve("i"),
                        StandardCopyOption.REPLACE_EXISTING));
                step("Files.delete open/i", () -> Files.delete(open.resolve("i")));
                step("FileOutputStream closed/f", () -> write(closed.resolve("f")));
                step("Files.write closed/g", () -> Files.write(closed.resolve("g"), "new".getBytes(UTF_8)));
                step("Files.copy open/g closed/h", () -> Files.copy(open.resolve("g"), closed.resolve("h")));
                step("Files.copy stream closed/h", () -> Files.copy(Files.newInputStream(open.resolve("g")),
                        closed.resolve("h")));
                step("Files.move open/g closed/h", () -> Files.move(open.resolve("g"), closed.resolve("h")));
                step("Files.delete closed/f", () -> Files.delete(closed.resolve("f")));
                step("File.delete closed/f", () -> System.out.println("deleted: " + closed.resolve("f").toFile()
                        .delete()));
                step("File.renameTo closed/f", () -> System.out.println("renamed: " + closed.resolve("f").toFile()
                        .renameTo(open.resolve("j").toFile())));
                File writeOnly = d.resolve("writeonly/f").toFile();
                step("FileOutputStream writeonly/f", () -> {
                    try (FileOutputStream out = new FileOutputStream(writeOnly)) {
                        out.write("new".getBytes(UTF_8));
                        step("File.length writeonly/f while open", () -> System.out.println(writeOnly.length()));
                        step("Files.size writeonly/f while open", () -> System.out.println(Files.size(writeOnly.toPath())));
                        step("Files.exists writeonly/f while open", () -> System.out.println(Files.exists(
                                writeOnly.toPath())));
                        step("FileInputStream writeonly/f while open", () -> new java.io.FileInputStream(writeOnly)
                                .close());
                    }
                });
            }
            // Item 8: what this JVM sees of a file it is writing.
            case "own view" -> {
                Path f = d.resolve("f");
                Path g = d.resolve("g");
                step("FileOutputStream f, g", () -> {
                    try (FileOutputStream out = new FileOutputStream(f.toFile());
                            FileOutputStream created = new FileOutputStream(g.toFile())) {
                        out.write("new".getBytes(UTF_8));
                        created.write("brand new".getBytes(UTF_8));
                        System.out.println("another process sees f: " + seenByAnotherProcess(f));
                        for (Path file : List.of(f, g)) {
                            String name = file.getFileName() + " ";
                            System.out.println(name + "File.length: " + file.toFile().length());
                            System.out.println(name + "File.exists, isFile: " + file.toFile().exists() + " "
                                    + file.toFile().isFile());
                            System.out.println(name + "File.lastModified is now: "
                                    + (Math.abs(file.toFile().lastModified() - System.currentTimeMillis()) < 60_000));
                            System.out.println(name + "Files.size: " + Files.size(file));
                            System.out.println(name + "Files.exists, notExists, isRegularFile, isWritable: "
                                    + Files.exists(file) + " " + Files.notExists(file) + " " + Files.isRegularFile(file)
                                    + " " + Files.isWritable(file));
                            System.out.println(name + "Files.readString: " + Files.readString(file));
                            try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
                                System.out.println(name + "FileInputStream: " + new String(in.readAllBytes(), UTF_8));
                            }
                            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                                System.out.println(name + "RandomAccessFile r: " + in.readLine());
                            }
                        }
                        out.write("+more".getBytes(UTF_8));
                        System.out.println("f after another write: " + Files.readString(f));
                        step("newByteChannel CREATE_NEW g", () -> Files.newByteChannel(g, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE).close());
                        step("Files.copy f g", () -> Files.copy(f, g));
                    }
                });
                Path h = d.resolve("h");
                step("two RandomAccessFile editors of h", () -> {
                    Files.writeString(h, "0123456789");
                    try (RandomAccessFile first = new RandomAccessFile(h.toFile(), "rw");
                            RandomAccessFile second = new RandomAccessFile(h.toFile(), "rw")) {
                        first.write('A');
                        second.seek(5);
                        second.write('B');
                        first.seek(5);
                        System.out.println("the first editor reads the second's edit: " + (char) first.read());
                        System.out.println("both closed, either way round: " + second.length());
                    }
                    System.out.println("h: " + Files.readString(h));
                });
                Path i = d.resolve("i");
                step("FileOutputStream i, then an append to i", () -> {
                    try (FileOutputStream out = new FileOutputStream(i.toFile());
                            FileOutputStream append = new FileOutputStream(i.toFile(), true)) {
                        out.write("new".getBytes(UTF_8));
                        append.write("+appended".getBytes(UTF_8));
                    }
                    System.out.println("i: " + Files.readString(i));
                });
                Path j = d.resolve("j");
                step("FileOutputStream j, then a truncating channel of j", () -> {
                    try (FileOutputStream out = new FileOutputStream(j.toFile())) {
                        out.write("written first".getBytes(UTF_8));
                        truncateAndWrite(j);
                    }
                    System.out.println("j: " + Files.readString(j));
                });
                Path k = d.resolve("k");
                step("a channel of k, then a truncating channel of k", () -> {
                    try (SeekableByteChannel first = Files.newByteChannel(k, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                        first.write(ByteBuffer.wrap("written first".getBytes(UTF_8)));
                        truncateAndWrite(k);
                    }
                    System.out.println("k: " + Files.readString(k));
                });
            }
            case "setgid directory" -> {
                step("FileOutputStream f", () -> write(d.resolve("f")));
                step("FileOutputStream g", () -> write(d.resolve("g")));
            }
            case "nothing" -> { }
            case "write classes" -> {
                Files.createDirectories(d.resolve("app"));
                write(d.resolve("app/A.class"));
                Files.write(d.resolve("app/B.class"), "new".getBytes(UTF_8));
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("done");
    }

    private interface OnPath {
        void run(Path path) throws Exception;
    }

    private interface OnPaths {
        void run(Path from, Path to) throws Exception;
    }

    /** Opens {@code file} (existing when its name starts with f) for writing, and deletes it while it is open. */
    private static void openDelete(Path file, String how, OnPath delete) {
        String name = file.getFileName().toString();
        step(how + " " + name, () -> {
            if (name.startsWith("f")) {
                Files.writeString(file, "old");
            }
            try (FileOutputStream out = new FileOutputStream(file.toFile())) {
                out.write("new".getBytes(UTF_8));
                delete.run(file);
                out.write("+more".getBytes(UTF_8));
                System.out.println("deleted again: " + file.toFile().delete());
            }
            see(file);
        });
    }

    /**
     * Opens {@code file} (existing when its name starts with f) for writing, and replaces it with
     * another file ("copied") while it is open.
     */
    private static void openReplace(Path file, String how, OnPaths replace) {
        String name = file.getFileName().toString();
        step(how + " over " + name, () -> {
            if (name.startsWith("f")) {
                Files.writeString(file, "old");
            }
            Path source = file.resolveSibling(name + ".source");
            Files.writeString(source, "copied");
            try (FileOutputStream out = new FileOutputStream(file.toFile())) {
                out.write("new".getBytes(UTF_8));
                replace.run(source, file);
                out.write("+more".getBytes(UTF_8));
            }
            see(file);
            Files.deleteIfExists(source);
        });
    }

    /** Opens {@code from} (existing when its name starts with f) for writing, and renames it while it is open. */
    private static void openRename(Path from, Path to, String how, OnPaths rename) {
        String name = from.getFileName().toString();
        step(how + " " + name, () -> {
            if (name.startsWith("f")) {
                Files.writeString(from, "old");
            }
            try (FileOutputStream out = new FileOutputStream(from.toFile())) {
                out.write("new".getBytes(UTF_8));
                rename.run(from, to);
                see(to);
                out.write("+more".getBytes(UTF_8));
            }
            see(from);
            see(to);
            System.out.println("delete of the old name: " + from.toFile().delete());
        });
    }

    private static void see(Path file) throws Exception {
        System.out.println(file.getFileName() + ": " + (Files.exists(file) ? Files.readString(file) : "absent"));
    }

    /** What a reader outside this JVM sees of {@code file}. */
    private static String seenByAnotherProcess(Path file) throws Exception {
        String content = AnotherProcess.content(file);
        return content == null ? "absent" : content;
    }

    private static void fullStream(Path file) {
        FileOutputStream[] out = new FileOutputStream[1];
        step("open", () -> out[0] = new FileOutputStream(file.toFile()));
        step("write", () -> out[0].write(new byte[TOO_BIG]));
        step("close", () -> out[0].close());
    }

    private static void write(Path file) throws Exception {
        try (FileOutputStream out = new FileOutputStream(file.toFile())) {
            out.write("new".getBytes(UTF_8));
        }
    }

    /** A second writer of {@code file} that truncates it: what the first wrote goes, as with one file's two descriptors. */
    private static void truncateAndWrite(Path file) throws Exception {
        try (SeekableByteChannel second = Files.newByteChannel(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            second.write(ByteBuffer.wrap("then".getBytes(UTF_8)));
        }
    }

    private static void channel(Path file, Set<StandardOpenOption> options, FileAttribute<?> attribute)
            throws Exception {
        try (SeekableByteChannel channel = Files.newByteChannel(file, options, attribute)) {
            channel.write(ByteBuffer.wrap("new".getBytes(UTF_8)));
        }
    }

    private static void step(String name, Step step) {
        String outcome;
        try {
            step.run();
            outcome = "ok";
        } catch (Exception e) {
            outcome = e.getClass().getName() + ": " + e.getMessage();
        }
        System.out.println(name + ": " + outcome.replace(dir, "DIR"));
    }

    /** The full-disk scenarios, in the order the test runs them. */
    static final List<String> FULL_DISK = List.of("full FileOutputStream", "full FileOutputStream new file",
            "full FileOutputStream.getChannel", "full Files.write", "full Files.newOutputStream",
            "full RandomAccessFile rw", "full FileChannel in place");
}
