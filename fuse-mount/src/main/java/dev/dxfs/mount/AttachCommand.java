package dev.dxfs.mount;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "attach", mixinStandardHelpOptions = true,
        description = "Load the dxfs Java agent into a running JVM: from then on its writes under the roots are staged and published by rename at close, as under a mount. OPTIONS are the agent's (root=DIR,include=GLOB,exclude=GLOB,fsync=true,strict=true,log=debug; default root: the JVM's ./target).",
        footer = {"", "Examples:", "  dxfs attach 4242", "  dxfs attach 4242 root=/srv/app/target,exclude=*.log,log=debug"})
final class AttachCommand implements Callable<Integer> {
    /** Set by the launcher: where the agent jar was built. */
    static final String AGENT_PROPERTY = "dxfs.agent";

    @Parameters(index = "0", paramLabel = "PID", description = "The JVM's process id.")
    long pid;

    @Parameters(index = "1", paramLabel = "OPTIONS", arity = "0..1", defaultValue = "",
            description = "The agent's options, comma-separated.")
    String options;

    @Override
    public Integer call() throws CliException {
        Path agent = agentJar();
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            throw new CliException("cannot attach to process " + pid + " (is it a JVM of this user?): " + e.getMessage());
        }
        try {
            vm.loadAgent(agent.toString(), options);
        } catch (AgentLoadException | AgentInitializationException | IOException e) {
            throw new CliException("the agent did not start in process " + pid + ": " + e.getMessage());
        } finally {
            try {
                vm.detach();
            } catch (IOException e) {
                // The agent is loaded; the attach connection closes with this process anyway.
            }
        }
        System.out.println("dxfs: agent loaded into process " + pid);
        return 0;
    }

    private static Path agentJar() throws CliException {
        String configured = System.getProperty(AGENT_PROPERTY);
        if (configured == null || !Files.isRegularFile(Path.of(configured))) {
            throw new CliException("the agent jar is missing (" + configured + "): build it with mvn -B package");
        }
        return Path.of(configured).toAbsolutePath();
    }
}
