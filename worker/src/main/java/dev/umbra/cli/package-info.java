/** The command line: parses arguments and delegates; no logic of its own. */
package dev.umbra.cli;
