package dev.umbra.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One command line run in-process, with its exit code and what it wrote. */
record CliRun(int code, String out, String err) {

    /** Runs with an empty environment: no UMBRA_* variable of the machine running the tests changes the outcome. */
    static CliRun of(String... args) {
        return withEnv(Map.of(), args);
    }

    static CliRun withEnv(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = UmbraCommand.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
