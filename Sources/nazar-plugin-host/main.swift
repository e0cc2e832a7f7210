// nazar-plugin-host: runs one plugin instance for nazard in a process of its own
// (isolation = "process"). Started by nazard only, with its socket as descriptor 3;
// see docs/plugin-host-protocol.md.
import Host

PluginHostServer.main(arguments: CommandLine.arguments)
