package dev.dxfs.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the hooked methods of the few JDK classes it is given, and nothing else: every other
 * class the JVM loads is passed over by its name alone, so the tool's class loading costs no
 * more than a map lookup. The code it adds needs no new locals and no frames but its own, so a
 * class is rewritten without computing frames, which would load classes in the middle of class
 * loading.
 */
final class JdkWeaver implements ClassFileTransformer {
    /** Hooks by the internal name of the class that declares the methods. */
    private final Map<String, List<Hook>> hooks;
    private final Set<Hook> woven = ConcurrentHashMap.newKeySet();

    JdkWeaver(Map<String, List<Hook>> hooks) {
        this.hooks = hooks;
    }

    /** The hooks not found in any class so far (but those of methods only some JDKs have): writes the agent would miss. */
    Set<Hook> missing() {
        Set<Hook> missing = new HashSet<>();
        for (List<Hook> declared : hooks.values()) {
            for (Hook hook : declared) {
                if (!hook.inSomeJdks()) {
                    missing.add(hook);
                }
            }
        }
        missing.removeAll(woven);
        return missing;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] classFile) {
        List<Hook> declared = hooks.get(className);
        if (declared == null || loader != null) {
            return null;
        }
        try {
            ClassReader reader = new ClassReader(classFile);
            ClassWriter writer = new ClassWriter(reader, 0);
            Rewriter rewriter = new Rewriter(writer, className, declared);
            reader.accept(rewriter, ClassReader.EXPAND_FRAMES);
            if (rewriter.applied.isEmpty()) {
                return null;
            }
            byte[] rewritten = writer.toByteArray();
            woven.addAll(rewriter.applied);
            return rewritten;
        } catch (RuntimeException | LinkageError e) {
            // The JVM drops a transformer's exceptions silently.
            System.err.println("dxfs-agent: cannot instrument " + className.replace('/', '.') + ": " + e);
            return null;
        }
    }

    private final class Rewriter extends ClassVisitor {
        private final String owner;
        private final List<Hook> declared;
        private final List<Hook> applied = new ArrayList<>();

        Rewriter(ClassVisitor writer, String owner, List<Hook> declared) {
            super(Opcodes.ASM9, writer);
            this.owner = owner;
            this.declared = declared;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            MethodVisitor code = super.visitMethod(access, name, descriptor, signature, exceptions);
            if ((access & Opcodes.ACC_ABSTRACT) != 0) {
                return code;
            }
            for (Hook hook : declared) {
                if (hook.matches(name, descriptor)) {
                    applied.add(hook);
                    return hook.weave(code, new HookedMethod(owner, access, descriptor));
                }
            }
            return code;
        }
    }
}
