package dev.dxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxTest {
    @TempDir
    Path dir;

    @Test
    void everyThreadOfThisProcessBelongsToIt() throws IOException {
        long pid = ProcessHandle.current().pid();
        List<Integer> tids;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            tids = tasks.map(task -> Integer.parseInt(task.getFileName().toString())).toList();
        }
        assertThat(tids).hasSizeGreaterThan(1);
        for (int tid : tids) {
            assertThat(Linux.INSTANCE.processOf(tid)).as("thread %d", tid).isEqualTo(pid);
        }
    }

    @Test
    void anotherProcessIsItsOwn() throws IOException, InterruptedException {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(Linux.INSTANCE.processOf((int) child.pid())).isEqualTo(child.pid());
        } finally {
            child.destroy();
            child.waitFor();
        }
    }

    @Test
    void aThreadThatIsGoneHasNoProcess() {
        assertThat(Linux.INSTANCE.processOf(Integer.MAX_VALUE)).isEqualTo(-1);
        assertThat(Linux.INSTANCE.killedBySignal(Integer.MAX_VALUE)).isFalse();
    }

    @Test
    void aLiveThreadIsNotKilled() {
        assertThat(Linux.INSTANCE.killedBySignal((int) ProcessHandle.current().pid())).isFalse();
    }

    @Test
    void aLiveThreadHasItsMemoryAndAGoneOneIsNotSaidToHaveLeftIt() {
        assertThat(Linux.INSTANCE.leftItsMemory((int) ProcessHandle.current().pid())).isFalse();
        assertThat(Linux.INSTANCE.leftItsMemory(Integer.MAX_VALUE)).isFalse();
    }

    /** A command's name may hold spaces and parentheses: fields are counted after its last ')'. */
    @Test
    void statFieldsAreCountedAfterTheCommandsName() throws IOException {
        StringBuilder stat = new StringBuilder("4242 (a) b (c) Z 1 4242 4242 0 -1 4194564");
        for (int field = 10; field < 52; field++) {
            stat.append(' ').append(field);
        }
        stat.append(" 9\n");
        Path file = Files.writeString(dir.resolve("stat"), stat);

        ProcFile read = ProcFile.read(file.toString());

        assertThat(read.statField(3, 3)).as("not a number").isEqualTo(-1);
        assertThat(read.statField(4, 3)).isEqualTo(1);
        assertThat(read.statField(8, 3)).isEqualTo(-1);
        assertThat(read.statField(9, 3)).isEqualTo(4194564);
        assertThat(read.statField(51, 3)).isEqualTo(51);
        assertThat(read.statField(52, 3)).isEqualTo(9);
    }

    @Test
    void aLineIsFoundByItsKeyAtItsStart() throws IOException {
        Path file = Files.writeString(dir.resolve("status"), "Name:\tTgid: 1\nPPid:\t7\nTgid:\t 4242\n");

        ProcFile read = ProcFile.read(file.toString());

        assertThat(read.lineValue("Tgid:")).isEqualTo(4242);
        assertThat(read.lineValue("PPid:")).isEqualTo(7);
        assertThat(read.lineValue("Uid:")).isEqualTo(-1);
    }
}
