package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code status} and {@code unmount} say of a directory that holds something other than
 * this user's plain dxfs mount: they name what is there and whose it is, where before they said
 * {@code "mounted":false} of a tmpfs and of another user's live mount, "entry not found in
 * /etc/mtab" to a user unmounting root's mount, and "a file is open" of a mount with another
 * mounted inside it.
 */
class MountStateMessagesTest {
    private static TestUsers users;

    @BeforeAll
    static void makeUser() {
        users = TestUsers.create(1);
    }

    @AfterAll
    static void removeUser() {
        if (users != null) {
            users.close();
        }
    }

    @Test
    void statusOfAnotherFilesystemsMountPointNamesIt() {
        try (MountedDir m = MountedDir.create("status-tmpfs"); Tmpfs tmpfs = Tmpfs.at(m.dir(), "1m")) {
            Run status = Dxfs.run("status", m.dir().toString()).ok();
            assertThat(status.out().trim())
                    .isEqualTo("{\"mountpoint\":\"" + m.dir() + "\",\"mounted\":false,\"filesystem\":\"tmpfs\"}");
            Dxfs.run("status", "--watch", "--count", "1", m.dir().toString())
                    .failsWithOneLine(m.dir() + " is not a dxfs mount (it is a tmpfs mount)");
        }
    }

    @Test
    void anotherUserSeesWhoseMountItIsAndIsToldItCannotUnmountIt() {
        try (MountedDir m = MountedDir.shared("other-user").mount()) {
            TestUsers.User user = users.get(0);

            Run status = asUser(user, "status", m.dir().toString()).ok();
            assertThat(status.out().trim()).isEqualTo("{\"mountpoint\":\"" + m.dir() + "\",\"mounted\":true,"
                    + "\"owner\":\"root\",\"ownerUid\":0}");
            assertThat(status.err()).isEqualTo("dxfs: " + m.dir() + " is mounted by root (uid 0): its daemon gives its "
                    + "figures to that user only (dxfs status as that user)\n");

            asUser(user, "status", "--watch", "--count", "1", m.dir().toString())
                    .failsWithOneLine(m.dir() + " is mounted by root (uid 0): its daemon gives its figures to that user only");
            asUser(user, "unmount", m.dir().toString()).failsWithOneLine(m.dir() + " is mounted by root (uid 0): only "
                    + "that user or root may unmount it (sudo dxfs unmount " + m.dir() + ")");
            assertThat(Dxfs.isMounted(m.dir())).as("root's mount after the user's unmount").isTrue();
        }
    }

    @Test
    void unmountingAMountWithAnotherMountedInsideNamesTheInnerOne() throws Exception {
        try (MountedDir m = MountedDir.create("nested").mount()) {
            Path inner = Files.createDirectory(m.dir().resolve("inner"));
            try {
                Dxfs.run("mount", inner.toString()).ok();
                Dxfs.run("unmount", m.dir().toString()).failsWithOneLine(m.dir() + " is busy: " + inner
                        + " is mounted inside it: unmount that first (dxfs unmount or umount " + inner + ")");
                assertThat(Dxfs.isMounted(m.dir())).as("the outer mount").isTrue();
            } finally {
                if (Dxfs.isMounted(inner)) {
                    Dxfs.run("unmount", inner.toString()).ok();
                }
            }
        }
    }

    /** The launcher run as {@code user}, with no home directory and no runtime directory of root's. */
    private static Run asUser(TestUsers.User user, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "-u", "XDG_RUNTIME_DIR", "-u", "XDG_STATE_HOME",
                "HOME=/nonexistent", Dxfs.LAUNCHER.toString()));
        command.addAll(List.of(args));
        return Run.of(user.run(command), null, Map.of(), Duration.ofMinutes(2));
    }
}
