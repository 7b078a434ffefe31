package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A user other than root, its requests against a mount on the kernel transport with
 * {@code --allow-other} and against a plain directory side by side: the same script of
 * {@code fsops} commands must answer alike in both.
 */
final class AnotherUser implements AutoCloseable {
    private final TestUsers users;
    private final MountedDir mount;
    private final Path fsops;

    private AnotherUser(TestUsers users, MountedDir mount, Path fsops) {
        this.users = users;
        this.mount = mount;
        this.fsops = fsops;
    }

    static AnotherUser create(String name) throws IOException {
        TestUsers users = TestUsers.create(1);
        MountedDir mount = null;
        try {
            mount = MountedDir.shared(name).mountWith("kernel", "--allow-other");
            return new AnotherUser(users, mount, NativePrograms.cForAnyone("fsops", mount.scratch().getParent()));
        } catch (IOException | RuntimeException e) {
            if (mount != null) {
                mount.close();
            }
            users.close();
            throw e;
        }
    }

    TestUsers.User user() {
        return users.get(0);
    }

    Path mounted() {
        return mount.dir();
    }

    /** The plain directory the mount is compared with. */
    Path plain() {
        return mount.scratch();
    }

    /** Both directories, the mount's first, to be set up alike. */
    List<Path> both() {
        return List.of(mounted(), plain());
    }

    /** Runs {@code commands} as the user in both directories; the mount's transcript, once equal to the plain one's. */
    List<String> runInBoth(List<String> commands) {
        List<String> inMount = ShellScript.runAs(user(), fsops, mounted(), commands);
        assertThat(inMount).as("the transcript in the mount, against a plain directory's")
                .isEqualTo(ShellScript.runAs(user(), fsops, plain(), commands));
        return inMount;
    }

    @Override
    public void close() {
        try {
            mount.close();
        } finally {
            users.close();
        }
    }
}
