import ArgumentParser
import Host

/// `nazarctl series`: the stored series a selector matches, with their labels.
struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "List stored series matching a selector.",
        discussion: "SELECTOR as for query: cpu.total{host=\"web1\"}, {host=~\"web.*\"}; none lists every series.")

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("Series selector.", valueName: "selector"))
    var selector: String = ""

    @Option(help: ArgumentHelp("table, csv or json.", valueName: "format"))
    var format: OutputFormat = .table

    func run() throws {
        let matchers: [LabelMatcher]
        do { matchers = try SeriesSelector.parse(selector) } catch { throw ValidationError("\(error)") }
        let storage = try store.open()
        defer { storage.close() }
        var out = QueryOutput(format: format)
        out.seriesList(try storage.series(matching: matchers))
    }
}
