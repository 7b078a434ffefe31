package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who mounts a test's directory and looks through the mount: root, or a user who is not root,
 * mounting as such a user does ({@code ./dxfs mount} run as that user: the daemon has no
 * capabilities and mounts through the setuid {@code fusermount}). A user's mount is closed to
 * every other user, root too, so whatever looks through it runs as that user. Where
 * {@code /dev/fuse} is root's alone, the user is given it (an ACL entry) until {@link #remove()},
 * as an administrator gives it to a group.
 */
final class MountingUser {
    static final MountingUser ROOT = new MountingUser(null);
    private static final String DEVICE = "/dev/fuse";

    private final TestUsers users;

    private MountingUser(TestUsers users) {
        this.users = users;
    }

    /** A new user, who may open /dev/fuse until {@link #remove()}. */
    static MountingUser unprivileged() {
        TestUsers users = TestUsers.create(1);
        try {
            Run.of(List.of("setfacl", "-m", "u:" + users.get(0).uid() + ":rw", DEVICE)).ok();
            return new MountingUser(users);
        } catch (RuntimeException | Error e) {
            users.close();
            throw e;
        }
    }

    /** A new directory to mount over that this user may reach. */
    MountedDir directory(String name) {
        return users == null ? MountedDir.create(name) : MountedDir.shared(name);
    }

    /**
     * Mounts {@code mounted} with the run's transport; a user's mount makes the directory and
     * everything in it that user's first, and keeps the daemon's log beside it (the test user has
     * no home directory). Without a home, the launcher makes no class-data archive, whose maker
     * would outlive the test and keep its user from being removed.
     */
    void mount(MountedDir mounted) {
        if (users == null) {
            mounted.mount();
            return;
        }
        TestUsers.User user = users.get(0);
        Path state = Unchecked.call(() -> Files.createDirectories(mounted.scratch().resolve("state")));
        Run.of(List.of("chown", "-R", user.uid() + ":" + user.gid(), mounted.dir().toString(), state.toString()))
                .ok();
        List<String> command = new ArrayList<>(List.of("env", "-u", "XDG_RUNTIME_DIR", "-u", "XDG_CACHE_HOME",
                "HOME=", "XDG_STATE_HOME=" + state));
        command.addAll(Dxfs.mountCommand(mounted.dir(), Dxfs.TRANSPORT));
        Run.of(user.run(command)).ok();
        assertThat(Dxfs.isMounted(mounted.dir())).as("dxfs is mounted over %s by %s", mounted.dir(), this).isTrue();
    }

    /** {@code command} run as this user. */
    List<String> command(List<String> command) {
        return users == null ? command : users.get(0).run(command);
    }

    /** The output of {@code command} run as this user, or null when it failed. */
    String output(List<String> command) {
        return Unchecked.call(() -> AnotherProcess.output(command(command)));
    }

    /** Removes the user made by {@link #unprivileged()}, and its access to /dev/fuse. */
    void remove() {
        if (users != null) {
            Run.of(List.of("setfacl", "-x", "u:" + users.get(0).uid(), DEVICE));
            users.close();
        }
    }

    @Override
    public String toString() {
        return users == null ? "root" : "a user";
    }
}
