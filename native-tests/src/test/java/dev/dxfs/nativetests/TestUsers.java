package dev.dxfs.nativetests;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Real users made for one test class (useradd, each with a group of its own and no home
 * directory) and removed by {@link #close()}, so that a test can run processes as users who
 * share a mount. The names are unique per run, so a run killed midway leaves users that no later
 * run confuses with its own ({@code userdel dxt...} removes them).
 */
final class TestUsers implements AutoCloseable {
    /** One user: its name, uid and the gid of its own group. */
    record User(String name, int uid, int gid) {
        /** {@code command} run as this user, with its groups, from the directory it is started in. */
        List<String> run(List<String> command) {
            List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid,
                    "--init-groups", "--"));
            full.addAll(command);
            return full;
        }

        /** A shell script run as this user. */
        List<String> sh(String script) {
            return run(List.of("sh", "-c", script));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final List<User> users = new ArrayList<>();

    private TestUsers() {}

    /** Makes {@code count} users; those made are removed again if a later one fails. */
    static TestUsers create(int count) {
        TestUsers made = new TestUsers();
        try {
            String run = UUID.randomUUID().toString().substring(0, 8);
            for (int i = 0; i < count; i++) {
                String name = "dxt" + run + (char) ('a' + i);
                Run.of(List.of("useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin",
                        "--home-dir", "/nonexistent", name)).ok();
                made.users.add(new User(name, id(name, "-u"), id(name, "-g")));
            }
            return made;
        } catch (RuntimeException | Error e) {
            made.close();
            throw e;
        }
    }

    User get(int index) {
        return users.get(index);
    }

    private static int id(String name, String which) {
        return Integer.parseInt(Run.of(List.of("id", which, name)).ok().out().trim());
    }

    /** Removes the users and their groups. */
    @Override
    public void close() {
        for (User user : users) {
            Run.of(List.of("userdel", user.name()));
            if (Run.of(List.of("getent", "group", user.name())).exit() == 0) {
                Run.of(List.of("groupdel", user.name()));
            }
        }
        users.clear();
    }
}
