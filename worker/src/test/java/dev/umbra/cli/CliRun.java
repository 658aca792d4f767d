package dev.umbra.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One command line run in-process, with its exit code and what it wrote. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = UmbraCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
