package dev.umbra.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.Npy;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/gpu/build-djl-jni.sh}: its help, its checks and their one-line errors with exit code 2, and what
 * it would build from a stand-in libtorch (version, ABI, CUDA flavor, output folder), all without a compiler run.
 * The real build (about 2 minutes on 2 cores) runs only when asked for with {@code UMBRA_TEST_BUILD_JNI=1} where a
 * Python's torch has its C++ headers; it then starts DJL through the built JNI and checks {@code embed} against the
 * golden set.
 */
class BuildDjlJniScriptTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    @Test
    void helpDescribesTheScript() throws Exception {
        Run r = run(Map.of(), "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: deploy/gpu/build-djl-jni.sh [options] [LIBTORCH_DIR]"), r.out());
        assertTrue(r.out().contains("PYTORCH_LIBRARY_PATH"), r.out());
        assertTrue(r.out().contains("Exit status: 0 built (or checked); 2 bad arguments or a missing prerequisite"), r.out());
    }

    @Test
    void aMissingLibtorchFolderIsExitCode2() throws Exception {
        assertFails(run(Map.of(), "/nonexistent/libtorch"),
                "build-djl-jni: error: libtorch folder not found: /nonexistent/libtorch");
        assertFails(run(Map.of(), tmp.toString()),
                "is not a libtorch folder: " + tmp.resolve("lib/libtorch.so") + " not found");
        Path noHeaders = tmp.resolve("no-headers");
        fakeLib(noHeaders, false, true);
        assertFails(run(Map.of(), noHeaders.toString()), "has no C++ headers");
    }

    @Test
    void withoutAFolderItAsksPythonsTorch() throws Exception {
        assertFails(run(Map.of(), "--python", "/nonexistent/python3"),
                "no LIBTORCH_DIR given and no Python '/nonexistent/python3' to find torch with");
        Path noTorch = Files.writeString(tmp.resolve("python-without-torch"), "#!/bin/sh\nexit 1\n");
        noTorch.toFile().setExecutable(true);
        assertFails(run(Map.of(), "--python", noTorch.toString()),
                "cannot import torch (pip install torch, or give a libtorch folder)");
    }

    @Test
    void missingToolsAndOldLibtorchAreNamed() throws Exception {
        Path old = libtorch("old", "1.12.1", false, false);
        assertFails(run(Map.of(), old.toString()), "libtorch 1.12.1 is too old for DJL 0.36.0's JNI");
        Path torch = libtorch("torch", "2.7.1", false, true);
        assertFails(run(Map.of("CXX", "/nonexistent/g++"), torch.toString()),
                "no C++ compiler: '/nonexistent/g++' not found");
        Path empty = Files.createDirectories(tmp.resolve("empty-include"));
        assertFails(run(Map.of(), "--jni-include", empty.toString(), torch.toString()), "has no jni.h");
        assertFails(run(Map.of(), "--bogus"), "unknown option --bogus");
        assertFails(run(Map.of(), "--jobs", "0", torch.toString()), "--jobs must be a positive integer");
        assertFails(run(Map.of(), torch.toString(), old.toString()), "one LIBTORCH_DIR only");
        assertFails(run(Map.of(), "--cuda", "--jni-include", jniInclude().toString(), torch.toString()),
                "--cuda: " + torch.resolve("lib") + " has no libtorch_cuda.so");
    }

    @Test
    void checkSaysWhatWouldBeBuilt() throws Exception {
        Path cpu = libtorch("cpu", "2.7.1", false, true);
        Run r = run(Map.of(), "--check", "--jni-include", jniInclude().toString(), cpu.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("libtorch 2.7.1 (cpu), C++11 ABI 1"), r.out());
        assertTrue(r.out().contains("CUDA-specific parts: no"), r.out());
        assertTrue(r.out().contains("output: " + root().resolve("deploy/gpu/target/djl-torch-2.7.1-cpu/lib")), r.out());
        assertTrue(r.out().contains("check only: the prerequisites are there; nothing compiled"), r.out());

        Path cuda = libtorch("cuda", "2.7.1", true, false);
        Files.writeString(cuda.resolve("build-version"), "2.7.1+cu128\n");
        Run c = run(Map.of("CUDA_HOME", tmp.resolve("no-cuda").toString()), "--check", "--jni-include",
                jniInclude().toString(), "--out", tmp.resolve("out").toString(), cuda.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("libtorch 2.7.1 (cu128), C++11 ABI 0"), c.out());
        assertTrue(c.out().contains("no CUDA headers (cuda_runtime_api.h; set CUDA_HOME): building without DJL's"
                + " CUDA-specific parts"), c.out());
        assertTrue(c.out().contains("output: " + tmp.resolve("out/lib")), c.out());
    }

    /** Opt-in: compiles the JNI for the local torch, then runs DJL through it (ABI, symbols, numbers). */
    @Test
    void buildsAgainstTheLocalTorchAndRunsEmbed() throws Exception {
        boolean asked = "1".equals(System.getenv("UMBRA_TEST_BUILD_JNI")) || Boolean.getBoolean("umbra.test.buildJni");
        String python = localTorchPython();
        String why = !asked ? "set UMBRA_TEST_BUILD_JNI=1 to build DJL's JNI against the local torch (about 2 minutes"
                + " on 2 cores)" : "no Python with torch and its C++ headers found (python3, /usr/bin/python3)";
        if (!asked || python == null) {
            System.out.println("BuildDjlJniScriptTest: real build skipped: " + why);
        }
        Assumptions.assumeTrue(asked && python != null, why);

        Path out = tmp.resolve("jni");
        Run build = run(Map.of(), "--python", python, "--out", out.toString());
        assertEquals(0, build.code(), build.out() + build.err());
        assertTrue(Files.isRegularFile(out.resolve("lib/libdjl_torch.so")));
        assertTrue(Files.isRegularFile(out.resolve("lib/libtorch.so")));
        try (var files = Files.list(out.resolve("lib"))) {
            assertTrue(files.allMatch(p -> p.getFileName().toString().matches("lib.*\\.so.*")),
                    "DJL loads every file of the folder: libraries only");
        }
        Map<String, String> env = envFile(out.resolve("env.sh"));
        assertEquals(out.resolve("lib").toString(), env.get("PYTORCH_LIBRARY_PATH"));
        env.put("DJL_CACHE_DIR", tmp.resolve("djl-cache").toString());

        Run probe = java(env, EngineProbe.class.getName());
        assertEquals(0, probe.code(), probe.out() + probe.err());
        assertTrue(probe.out().contains("jni=" + out.resolve("lib/libdjl_torch.so")), probe.out());
        assertTrue(probe.out().contains("sum=12.0"), probe.out());

        Path embedded = tmp.resolve("embed");
        Run embed = java(env, "dev.umbra.cli.UmbraCommand", "embed", "--model", EmbeddedModels.tinyModelDir().toString(),
                "--prompts", Golden.dir().resolve("inputs/prompts.txt").toString(),
                "--noise", Golden.dir().resolve("inputs/noise.npy").toString(),
                "--device", "cpu", "--dtype", "float32", "--out", embedded.toString());
        assertEquals(0, embed.code(), embed.out() + embed.err());
        for (String name : new String[] {"text_embeds", "last_hidden_state", "image_embeds"}) {
            Npy.Array got = Npy.read(embedded.resolve(name + ".npy"));
            Npy.Array want = Golden.expected(name);
            double max = 0;
            for (int i = 0; i < want.values().length; i++) {
                max = Math.max(max, Math.abs(want.values()[i] - got.values()[i]));
            }
            System.out.println("BuildDjlJniScriptTest: " + name + " through the built JNI, max abs error " + max);
            assertTrue(max <= Golden.TOLERANCE, name + ": " + max);
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("deploy/gpu/build-djl-jni.sh"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "deploy/gpu/build-djl-jni.sh not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", root().resolve("deploy/gpu/build-djl-jni.sh").toString()));
        command.addAll(List.of(args));
        return exec(command, env, 600);
    }

    private Run java(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(args));
        return exec(command, env, 300);
    }

    private Run exec(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within " + timeoutSeconds + " s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void assertFails(Run r, String message) {
        assertEquals(2, r.code(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
        assertTrue(r.err().contains(message), "stderr should contain '" + message + "' but was: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    /** lib/libtorch.so and lib/libc10.so (empty files; with std::__cxx11 in libc10 when {@code cxx11}). */
    private static void fakeLib(Path dir, boolean cuda, boolean cxx11) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.writeString(lib.resolve("libtorch.so"), "");
        Files.writeString(lib.resolve("libc10.so"), cxx11 ? "_ZNSt7__cxx1112basic_string" : "_ZNSs4_Rep");
        if (cuda) {
            Files.writeString(lib.resolve("libtorch_cuda.so"), "");
        }
    }

    /** A stand-in libtorch folder: empty libraries, the two headers the script looks for, torch/version.h. */
    private Path libtorch(String name, String version, boolean cuda, boolean cxx11) throws IOException {
        Path dir = tmp.resolve(name);
        fakeLib(dir, cuda, cxx11);
        Path api = Files.createDirectories(dir.resolve("include/torch/csrc/api/include/torch"));
        Files.writeString(dir.resolve("include/torch/script.h"), "");
        Files.writeString(api.resolve("torch.h"), "");
        String[] v = version.split("\\.");
        Files.writeString(api.resolve("version.h"), "#pragma once\n#define TORCH_VERSION_MAJOR " + v[0]
                + "\n#define TORCH_VERSION_MINOR " + v[1] + "\n#define TORCH_VERSION_PATCH " + v[2] + "\n");
        return dir;
    }

    private Path jniInclude() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("jni-include/linux"));
        Files.writeString(dir.getParent().resolve("jni.h"), "");
        Files.writeString(dir.resolve("jni_md.h"), "");
        return dir.getParent();
    }

    private static String localTorchPython() throws Exception {
        for (String python : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(python, "-c",
                        "import torch, os; print(os.path.isfile(os.path.join(os.path.dirname(torch.__file__),"
                                + " 'include', 'torch', 'script.h')))").redirectErrorStream(true).start();
                String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && answer.endsWith("True")) {
                    return python;
                }
            } catch (IOException e) {
                // not there: try the next
            }
        }
        return null;
    }

    private static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("export ")) {
                String kv = line.substring("export ".length());
                int eq = kv.indexOf('=');
                env.put(kv.substring(0, eq), kv.substring(eq + 1).replace("'", ""));
            }
        }
        return env;
    }
}
