package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a file's extended attributes and ACLs become when it is rewritten or created through the
 * mount: what they become natively. A native rewrite (O_TRUNC, shell {@code >}, {@code cp} over a
 * file) keeps the inode and so its ACL and every extended attribute but file capabilities, which
 * the kernel removes when the file is written; a new file gets its directory's default ACL in
 * place of the creator's umask. Through the mount a rewrite publishes a new inode, which must end
 * up the same. Each case runs the same steps in a plain directory, which gives the expected
 * transcript (and shows that the case means something), then through a mount shared with two
 * real users (root, --allow-other), which must give the same transcript.
 */
class ExtendedAttributesTest {
    private static TestUsers users;
    /** Owns the file whose ACL names {@link #named}. */
    private static TestUsers.User owner;
    private static TestUsers.User named;

    @BeforeAll
    static void makeUsers() {
        users = TestUsers.create(2);
        owner = users.get(0);
        named = users.get(1);
    }

    @AfterAll
    static void removeUsers() {
        if (users != null) {
            users.close();
        }
    }

    /** {@code echo b > f} and {@code cp src f} keep f's own user.* attributes, and take none of src's. */
    @Test
    void userAttributesSurviveARewriteAndACopyOver() {
        String script = """
                printf 'a\\n' > f
                setfattr -n user.origin -v kept f
                setfattr -n user.second -v 2 f
                printf 'b\\n' > f
                getfattr -d -m '^user\\.' f | sort
                printf 'source\\n' > src
                setfattr -n user.source -v src src
                cp src f
                getfattr -d -m '^user\\.' f | sort
                cat f
                """;
        String plain = compared("xattr-user", script, List.of());

        assertThat(plain).contains("user.origin=\"kept\"", "user.second=\"2\"").doesNotContain("user.source");
    }

    /**
     * A file of the owner's with an ACL that gives another user read and write: rewritten by root,
     * then by the owner, then by the owner with a chmod while it writes. Natively the ACL stays,
     * and the owning group keeps only what the ACL's group entry gives it (not the mask's rights,
     * which the mode's group bits show); root's trusted.* attribute stays through the owner's
     * rewrites too.
     */
    @Test
    void anAclSurvivesARewriteByRootAndByTheOwner() {
        String setup = """
                printf 'a\\n' > f
                chown OWNER:OWNER f
                chmod 640 f
                setfacl -m u:NAMED:rw f
                setfattr -n trusted.note -v by-root f
                printf 'b\\n' > f
                getfacl f
                getfattr -d -m '^trusted\\.' f
                """;
        String byOwner = """
                printf 'c\\n' > f
                { printf 'd\\n'; chmod 660 f; } > f
                """;
        String after = """
                getfacl f
                getfattr -d -m '^trusted\\.' f
                stat -c '%n %U %G %a %s' f
                cat f
                """;
        String plain = compared("xattr-acl", setup, List.of(byOwner, after));

        assertThat(plain).contains("user:" + named.name() + ":rw-", "group::r--", "mask::rw-", "trusted.note=\"by-root\"",
                "f " + owner.name() + " " + owner.name() + " 660 2");
    }

    /**
     * A directory with a default ACL: what root and its owner create in it (with O_TRUNC, without,
     * by cp, a directory and a fifo, under umask 022, 027 and 077) gets the default ACL and the
     * mode it gives, the umask left out; a file in it that has no ACL of its own keeps none when
     * rewritten, and one that has one keeps it.
     */
    @Test
    void whatIsCreatedInADirectoryWithADefaultAclGetsItAsNatively() {
        String setup = """
                mkdir d
                chown OWNER:OWNER d
                setfacl -d -m u:NAMED:rwx,g::r-x,o::- d
                printf 'old\\n' > d/old
                setfacl -b d/old
                printf 'kept\\n' > d/kept
                printf 'source\\n' > src
                chmod 644 src
                umask 022
                printf 'x\\n' > d/new
                touch d/touched
                cp src d/copied
                mkdir d/sub
                mkfifo d/fifo
                printf 'y\\n' > d/old
                printf 'z\\n' > d/kept
                umask 077
                printf 'p\\n' > d/private
                """;
        String byOwner = """
                umask 027
                printf 'o\\n' > d/by-owner
                mkdir d/owner-dir
                """;
        String after = """
                cd d && for f in *; do getfacl "$f"; done
                stat -c '%n %U %a' * | sort
                """;
        String plain = compared("xattr-default-acl", setup, List.of(byOwner, after));

        assertThat(plain).contains("# file: new\n# owner: root\n# group: root\nuser::rw-\nuser:" + named.name()
                + ":rwx\t#effective:rw-\ngroup::r-x\t#effective:r--\nmask::rw-\nother::---\n");
        assertThat(plain).contains("# file: old\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::---\n");
        assertThat(plain).contains("by-owner " + owner.name() + " 660", "owner-dir " + owner.name() + " 770",
                "private root 660");
    }

    /**
     * A program with file capabilities, a security.* and a trusted.* attribute, rewritten by root,
     * and one rewritten by another user: the capabilities go, as the kernel removes them when a
     * file is written (whoever writes it), and the other attributes stay.
     */
    @Test
    void aRewriteDropsFileCapabilitiesAndKeepsTheOtherAttributesAsNatively() {
        String setup = """
                for p in prog shared; do
                  cp /bin/true $p
                  setcap cap_net_raw+ep $p
                  setfattr -n security.dxfs-test -v s $p
                  setfattr -n trusted.note -v t $p
                  setfattr -n user.note -v u $p
                done
                chmod 777 shared
                getcap prog shared
                cat /bin/true > prog
                """;
        String byOwner = """
                cat /bin/true > shared
                """;
        String after = """
                getcap prog shared
                getfattr -d -m - prog shared | sort
                ./prog && echo prog runs
                """;
        String plain = compared("xattr-capability", setup, List.of(byOwner, after));

        assertThat(plain).contains("prog cap_net_raw=ep", "security.dxfs-test=\"s\"", "trusted.note=\"t\"",
                "user.note=\"u\"", "prog runs");
        String before = "shared cap_net_raw=ep\n";
        assertThat(plain.substring(plain.indexOf(before) + before.length())).as("after the rewrites")
                .doesNotContain("cap_net_raw");
    }

    /**
     * Runs the steps in a plain directory, then through a mount (--allow-other): {@code setup} and
     * every odd-numbered script of {@code more} as root, the even-numbered ones (the first, the
     * third, ...) as the owner. Returns the plain directory's transcript, once the mount's is the same.
     */
    private static String compared(String name, String setup, List<String> more) {
        try (MountedDir plain = MountedDir.shared(name + "-plain"); MountedDir mounted = MountedDir.shared(name)) {
            chmodWritable(plain.dir());
            chmodWritable(mounted.dir());
            String expected = transcript(plain.dir(), setup, more);
            mounted.mount("--allow-other");
            String through = transcript(mounted.dir(), setup, more);

            assertThat(through).as("through the mount").isEqualTo(expected);
            return expected;
        }
    }

    private static void chmodWritable(Path dir) {
        Run.of(List.of("chmod", "1777", dir.toString())).ok();
    }

    private static String transcript(Path dir, String setup, List<String> more) {
        StringBuilder out = new StringBuilder(run(dir, List.of("sh", "-c", "set -e\n" + names(setup))));
        for (int i = 0; i < more.size(); i++) {
            String script = "set -e\n" + names(more.get(i));
            out.append(run(dir, i % 2 == 0 ? owner.sh(script) : List.of("sh", "-c", script)));
        }
        return out.toString();
    }

    private static String names(String script) {
        return script.replace("OWNER", owner.name()).replace("NAMED", named.name());
    }

    private static String run(Path dir, List<String> command) {
        Run run = Run.of(command, dir, Map.of(), Run.DEFAULT_TIMEOUT);
        return run.out() + run.err() + "exit " + run.exit() + "\n";
    }
}
