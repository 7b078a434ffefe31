package dev.dxfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.Request;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The opcode table on its own, without a mount: requests are written into a worker's buffer as
 * the kernel writes them, the filesystem is a recorder, and the answers go to a file that stands
 * in for the device.
 */
class OperationsTest {
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0x40;

    @TempDir
    Path dir;

    private Path answers;
    private Device device;
    private Worker worker;
    private final List<String> calls = new ArrayList<>();
    /** What the recorder does with a call it records, besides recording it: by method name. */
    private String answering;
    private BiConsumer<Request, Object[]> answer = (req, args) -> { };
    private long unique;

    @BeforeEach
    void openDevice() {
        answers = dir.resolve("answers");
        int fd = Sys.C.open(answers.toString(), O_WRONLY | O_CREAT, 0600);
        assertThat(fd).isNotNegative();
        device = new Device(fd);
        worker = new Worker(device, 131072);
    }

    @AfterEach
    void closeDevice() {
        device.close();
    }

    @Test
    void answersEioBeforeInitAndTheNegotiatedMinorAtInit() throws IOException {
        Operations operations = operations();
        send(operations, Protocol.GETATTR, 1, in -> in.putInt(0).putInt(0).putLong(0));
        send(operations, Protocol.INIT, 0, OperationsTest::initBody);

        ByteBuffer out = answered();
        assertThat(header(out)).containsExactly(16L, -5L, 1L);
        out.position(16);
        assertThat(header(out)).containsExactly(16L + 64L, 0L, 2L);
        assertThat(out.getInt()).isEqualTo(7);
        assertThat(out.getInt()).isEqualTo(Protocol.NEWEST_MINOR);
        assertThat(calls).containsExactly("init");
    }

    @Test
    void aLookupHandsOverItsNameAndItsEntryCarriesTheAttributesAndTimeouts() throws IOException {
        Operations operations = initialized();
        answering("lookup", (req, args) -> {
            Pointer stat = Request.newStat();
            stat.putLong(8, 77);
            stat.putLong(16, 2);
            stat.putInt(24, 0100644);
            stat.putInt(28, 1000);
            stat.putLong(48, 3);
            stat.putLong(88, 1_700_000_000L);
            stat.putLong(96, 123);
            assertThat(req.entry(5, stat, 1.5, 0.25)).isTrue();
        });
        send(operations, Protocol.LOOKUP, 1, in -> in.put("a name\0".getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(calls).containsExactly("lookup 1 a name");
        ByteBuffer out = lastSuccess(128);
        assertThat(out.getLong()).as("nodeid").isEqualTo(5);
        assertThat(out.getLong()).as("generation").isZero();
        assertThat(out.getLong()).as("entry_valid").isEqualTo(1);
        assertThat(out.getLong()).as("attr_valid").isZero();
        assertThat(out.getInt()).as("entry_valid_nsec").isEqualTo(500_000_000);
        assertThat(out.getInt()).as("attr_valid_nsec").isEqualTo(250_000_000);
        assertThat(out.getLong()).as("ino").isEqualTo(77);
        assertThat(out.getLong()).as("size").isEqualTo(3);
        out.position(out.position() + 16);
        assertThat(out.getLong()).as("mtime").isEqualTo(1_700_000_000L);
        out.position(out.position() + 12);
        assertThat(out.getInt()).as("mtimensec").isEqualTo(123);
        out.position(out.position() + 4);
        assertThat(out.getInt()).as("mode").isEqualTo(0100644);
        assertThat(out.getInt()).as("nlink").isEqualTo(2);
        assertThat(out.getInt()).as("uid").isEqualTo(1000);
    }

    @Test
    void aWritesDataIsHandedOverWhereItLiesAndItsCountAnswered() throws IOException {
        Operations operations = initialized();
        byte[] data = "some bytes".getBytes(StandardCharsets.ISO_8859_1);
        answering("write", (req, args) -> {
            Pointer buf = (Pointer) args[2];
            byte[] seen = new byte[(int) (long) args[3]];
            buf.get(0, seen, 0, seen.length);
            calls.add("data " + new String(seen, StandardCharsets.ISO_8859_1));
            req.written((long) args[3]);
        });
        send(operations, Protocol.WRITE, 9, in -> in.putLong(42).putLong(4096).putInt(data.length).putInt(0)
                .putLong(0).putInt(O_WRONLY).putInt(0).put(data));

        assertThat(calls).containsExactly("write 9 fh 42 flags 1 size 10 offset 4096", "data some bytes");
        ByteBuffer out = lastSuccess(8);
        assertThat(out.getInt()).isEqualTo(data.length);
    }

    @Test
    void aWriteBackOfCachedPagesIsToldApartFromAWrite() throws IOException {
        Operations operations = initialized();
        answering("write", (req, args) -> req.written((long) args[3]));
        int writeCache = 1;
        send(operations, Protocol.WRITE, 9, in -> in.putLong(42).putLong(8192).putInt(4096).putInt(writeCache)
                .putLong(0).putInt(0).putInt(0).put(new byte[4096]));
        send(operations, Protocol.WRITE, 9, in -> in.putLong(42).putLong(0).putInt(1).putInt(0)
                .putLong(0).putInt(0).putInt(0).put(new byte[1]));

        assertThat(calls).containsExactly("write 9 fh 42 cached size 4096 offset 8192", "write 9 fh 42 size 1 offset 0");
    }

    @Test
    void aSetattrArrivesAsAStructStatWithTheFieldsItSets() throws IOException {
        Operations operations = initialized();
        answering("setattr", (req, args) -> {
            Pointer attr = (Pointer) args[2];
            calls.add("mode " + Integer.toOctalString(attr.getInt(24)) + " size " + attr.getLong(48) + " mtime "
                    + attr.getLong(88) + "." + attr.getLong(96));
            req.error(1);
        });
        int valid = 1 | 8 | 32 | 64;
        send(operations, Protocol.SETATTR, 3, in -> in.putInt(valid).putInt(0).putLong(7).putLong(100)
                .putLong(0).putLong(0).putLong(1_600_000_000L).putLong(0).putInt(0).putInt(999).putInt(0)
                .putInt(0100600).putInt(0).putInt(0).putInt(0).putInt(0));

        assertThat(calls).containsExactly("setattr 3 to set 41 fh 7",
                "mode 100600 size 100 mtime 1600000000.999");
        assertThat(header(lastAnswer())).containsExactly(16L, -1L, unique);
    }

    @Test
    void aRename2CarriesItsFlagsAndAnUnknownRequestIsAnsweredEnosys() throws IOException {
        Operations operations = initialized();
        answering("rename", (req, args) -> req.ok());
        send(operations, Protocol.RENAME2, 1, in -> in.putLong(2).putInt(2).putInt(0)
                .put("old\0new\0".getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(calls).containsExactly("rename 1 old 2 new 2");
        assertThat(header(lastAnswer())).containsExactly(16L, 0L, unique);

        int syncfs = 50;
        send(operations, syncfs, 1, in -> in.putLong(0));
        assertThat(header(lastAnswer())).containsExactly(16L, -38L, unique);
    }

    @Test
    void aTmpfileCarriesACreatesFlagsModeAndUmaskAndIsAnsweredAsACreate() throws IOException {
        Operations operations = initialized();
        List<Integer> umasks = new ArrayList<>();
        answering("tmpfile", (req, args) -> {
            umasks.add(req.umask());
            KernelFileInfo file = (KernelFileInfo) args[3];
            file.handle(7);
            req.created(12, Request.newStat(), 0, file);
        });
        int tmpfileReadWrite = 0x410002;
        int mode = 0100600;
        send(operations, Protocol.TMPFILE, 1, in -> in.putInt(tmpfileReadWrite).putInt(mode).putInt(022).putInt(0)
                .put("/\0".getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(calls).containsExactly("tmpfile 1 " + mode + " fh 0 flags " + tmpfileReadWrite);
        assertThat(umasks).containsExactly(022);
        ByteBuffer out = lastSuccess(Protocol.ENTRY_OUT_SIZE + Protocol.OPEN_OUT_SIZE);
        assertThat(out.getLong()).as("nodeid").isEqualTo(12);
        out.position(out.position() - 8 + Protocol.ENTRY_OUT_SIZE);
        assertThat(out.getLong()).as("fh").isEqualTo(7);
    }

    @Test
    void aCopyFileRangeCarriesBothHandlesOffsetsAndLengthAndIsAnsweredAsAWrite() throws IOException {
        Operations operations = initialized();
        answering("copyFileRange", (req, args) -> req.written(4000));
        send(operations, Protocol.COPY_FILE_RANGE, 5, in -> in.putLong(21).putLong(100).putLong(6).putLong(22)
                .putLong(200).putLong(4096).putLong(0));

        assertThat(calls).containsExactly("copyFileRange 5 21 100 6 22 200 4096");
        ByteBuffer out = lastSuccess(8);
        assertThat(out.getInt()).isEqualTo(4000);
    }

    @Test
    void anLseekCarriesItsHandleOffsetAndWhenceAndIsAnsweredTheOffsetFound() throws IOException {
        Operations operations = initialized();
        answering("lseek", (req, args) -> req.sought(8192));
        int seekHole = 4;
        send(operations, Protocol.LSEEK, 6, in -> in.putLong(11).putLong(100).putInt(seekHole).putInt(0));

        assertThat(calls).containsExactly("lseek 6 100 4 fh 11");
        ByteBuffer out = lastSuccess(8);
        assertThat(out.getLong()).isEqualTo(8192);
    }

    @Test
    void anOpenThatCouldPassThroughIsAnsweredWithDirectIoWhereTheDeviceRefusesBackingFiles() throws IOException {
        Operations operations = initialized();
        worker.backingFiles.enable();
        answering("open", (req, args) -> {
            KernelFileInfo file = (KernelFileInfo) args[2];
            file.handle(9);
            file.passThrough(device.fd, false);
            file.directIo();
            req.open(file);
        });
        for (int i = 0; i < 2; i++) {
            send(operations, Protocol.OPEN, 5, in -> in.putInt(0).putInt(0));
            ByteBuffer out = lastSuccess(16);
            assertThat(out.getLong()).as("fh").isEqualTo(9);
            assertThat(out.getInt()).as("open_flags: direct_io alone").isEqualTo(Protocol.FOPEN_DIRECT_IO);
            assertThat(out.getInt()).as("backing_id").isZero();
        }
    }

    private interface Body {
        void write(ByteBuffer in);
    }

    private Operations operations() {
        Filesystem recorder = (Filesystem) Proxy.newProxyInstance(Filesystem.class.getClassLoader(),
                new Class<?>[] {Filesystem.class}, (proxy, method, args) -> {
                    calls.add(describe(method.getName(), args));
                    if (method.getName().equals(answering)) {
                        answer.accept((Request) args[0], args);
                    }
                    return null;
                });
        return new Operations(recorder, 131072, agreed -> node -> { }, () -> { });
    }

    private Operations initialized() throws IOException {
        Operations operations = operations();
        send(operations, Protocol.INIT, 0, OperationsTest::initBody);
        calls.clear();
        return operations;
    }

    private void answering(String method, BiConsumer<Request, Object[]> answer) {
        this.answering = method;
        this.answer = answer;
    }

    /** A call as the recorder writes it: the node, then the arguments of interest. */
    private static String describe(String method, Object[] args) {
        if (args == null || args.length < 2) {
            return method;
        }
        List<String> words = new ArrayList<>(List.of(method, String.valueOf(args[1])));
        for (Object arg : Arrays.asList(args).subList(2, args.length)) {
            if (arg instanceof KernelFileInfo file) {
                words.add("fh " + file.handle() + (file.flags() != 0 ? " flags " + file.flags() : "")
                        + (file.cachedWrite() ? " cached" : ""));
            } else if (arg instanceof Pointer) {
                continue;
            } else if (method.equals("setattr") && arg instanceof Integer toSet) {
                words.add("to set " + toSet);
            } else if (method.equals("write") && arg instanceof Long number) {
                words.add((words.size() == 2 ? "size " : "offset ") + number);
            } else {
                words.add(String.valueOf(arg));
            }
        }
        if (method.equals("write")) {
            // The file comes last in the call; the recorder shows it before size and offset.
            String file = words.remove(words.size() - 1);
            words.add(2, file);
        }
        return String.join(" ", words);
    }

    private static void initBody(ByteBuffer in) {
        in.putInt(7).putInt(45).putInt(131072).putInt(-1);
    }

    /** Hands {@code operations} a request of {@code opcode} for {@code node}, its body written by {@code body}. */
    private void send(Operations operations, int opcode, long node, Body body) {
        ByteBuffer in = worker.in;
        in.clear();
        in.position(Protocol.IN_HEADER);
        body.write(in);
        int length = in.position();
        in.putInt(0, length).putInt(Protocol.IN_OPCODE, opcode).putLong(Protocol.IN_UNIQUE, ++unique)
                .putLong(Protocol.IN_NODEID, node).putInt(Protocol.IN_UID, 0).putInt(Protocol.IN_GID, 0)
                .putInt(Protocol.IN_PID, 0);
        in.clear();
        operations.handle(worker);
    }

    private ByteBuffer answered() throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(answers)).order(ByteOrder.nativeOrder());
    }

    /** The last answer written, positioned after its header. */
    /** The last answer, checked to be the last request's success with a body of {@code size} bytes, at its body. */
    private ByteBuffer lastSuccess(int size) throws IOException {
        ByteBuffer out = lastAnswer();
        assertThat(header(out)).containsExactly(16L + size, 0L, unique);
        return out;
    }

    private ByteBuffer lastAnswer() throws IOException {
        ByteBuffer out = answered();
        int at = 0;
        while (at + out.getInt(at) < out.limit()) {
            at += out.getInt(at);
        }
        out.position(at);
        return out;
    }

    /** The header at the buffer's position (length, error, unique); the position moves past it. */
    private static long[] header(ByteBuffer out) {
        return new long[] {out.getInt(), out.getInt(), out.getLong()};
    }
}
