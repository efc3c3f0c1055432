import ArgumentParser
import Foundation
import WorkPlanClient
import WorkPlanProtocol

/// `workplan`: the officer's command-line client.
@main
struct WorkPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workplan",
        abstract: "Keep the EUMS-IMS joint work plan on your laptop, offline, and sync it.",
        discussion: "The replica folder is --dir, else $WORKPLAN_HOME, else ~/.workplan.",
        subcommands: [
            Init.self, Join.self,
            Area.self, Add.self, Edit.self, Delete.self, List.self, Show.self, Note.self,
            Conference.self, Agenda.self,
            Sync.self, Status.self, Conflicts.self, Resolve.self, History.self, Recover.self,
            Export.self, Import.self, Brief.self, Changes.self,
        ]
    )
}
