//! The programme catalogue: full Vietnamese names of the National Target Programs, their
//! projects (dự án) and sub-projects (tiểu dự án), for the codes lines carry (`DTTS`, `DA1`,
//! `TDA1`). The data is versioned and cites the decision that approves each program
//! (`catalogue/mtqg-2021-2025.json`); it is compiled in, so no runtime file can change what
//! an official report prints. Lines keep their codes: names are for display only.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::present::vi_format::Lang;

/// The shipped catalogue file, as written (its version and sources travel with it).
pub const DATA: &str = include_str!("../../catalogue/mtqg-2021-2025.json");

#[derive(Debug, Deserialize)]
pub struct Catalogue {
    pub version: u32,
    pub period: String,
    pub programs: Vec<Program>,
}

#[derive(Debug, Deserialize)]
pub struct Program {
    pub code: String,
    /// The name in the approving decision.
    pub name: String,
    /// The name as the seed report prints it ("Chương trình MTQG …").
    pub short: String,
    /// The decision that approves the program.
    pub source: String,
    #[serde(default)]
    pub projects: Vec<Project>,
}

/// A project (dự án) of a program; for NTM, one of its content groups (nội dung thành phần).
#[derive(Debug, Deserialize)]
pub struct Project {
    pub code: String,
    pub name: String,
    /// The name's wording was not compared with the decision's text (it prints all the same;
    /// the flag tells whoever checks the catalogue where to look first).
    #[serde(default)]
    pub uncertain: bool,
    #[serde(default)]
    pub subprojects: Vec<Subproject>,
}

#[derive(Debug, Deserialize)]
pub struct Subproject {
    pub code: String,
    pub name: String,
}

/// The compiled-in catalogue; `None` only if the shipped file is not valid (a test proves
/// it is), in which case every name falls back to its code.
pub fn catalogue() -> Option<&'static Catalogue> {
    static PARSED: OnceLock<Option<Catalogue>> = OnceLock::new();
    PARSED
        .get_or_init(|| serde_json::from_str(DATA).ok())
        .as_ref()
}

fn program(code: &str) -> Option<&'static Program> {
    catalogue()?.programs.iter().find(|p| p.code == code)
}

fn project(program_code: &str, code: &str) -> Option<&'static Project> {
    program(program_code)?
        .projects
        .iter()
        .find(|p| p.code == code)
}

/// A program's name as reports print it, or its code when the catalogue does not know it.
pub fn program_name(code: &str) -> String {
    program(code).map_or_else(|| code.to_string(), |p| p.short.clone())
}

/// `DA1: Giải quyết …`, or the bare code when unknown.
pub fn project_label(program_code: &str, code: &str) -> String {
    match project(program_code, code) {
        Some(p) => format!("{}: {}", p.code, p.name),
        None => code.to_string(),
    }
}

/// A program's heading: its catalogue name (a proper name, the same in both languages), or
/// "Chương trình X" / "Program X" for a code the catalogue does not know.
pub fn program_title(code: &str, lang: Lang) -> String {
    match (program(code), lang) {
        (Some(p), _) => p.short.clone(),
        (None, Lang::Vi) => format!("Chương trình {code}"),
        (None, Lang::En) => format!("Program {code}"),
    }
}

/// A project's (or NTM content group's) heading: `DA1: Giải quyết …`, or "Dự án X" /
/// "Project X" for a code the catalogue does not know.
pub fn project_title(program_code: &str, code: &str, lang: Lang) -> String {
    match (project(program_code, code), lang) {
        (Some(p), _) => format!("{}: {}", p.code, p.name),
        (None, Lang::Vi) => format!("Dự án {code}"),
        (None, Lang::En) => format!("Project {code}"),
    }
}

/// `TDA1: Phát triển …`, or the bare code when unknown.
pub fn subproject_label(program_code: &str, project_code: &str, code: &str) -> String {
    let found = project(program_code, project_code)
        .and_then(|p| p.subprojects.iter().find(|s| s.code == code));
    match found {
        Some(s) => format!("{}: {}", s.code, s.name),
        None => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_and_cites_a_decision_per_program() {
        let c = catalogue().expect("the shipped catalogue parses");
        assert_eq!(c.version, 2);
        assert_eq!(c.period, "2021-2025");
        let codes: Vec<&str> = c.programs.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["DTTS", "GNBV", "NTM"]);
        for p in &c.programs {
            assert!(p.source.starts_with("Quyết định số "), "{}", p.code);
            assert!(p.source.contains("/QĐ-TTg"), "{}", p.code);
        }
        // The structures the decisions give: 10 projects (1719), 7 projects (90), 11 content
        // groups (263).
        let count = |code: &str| program(code).map_or(0, |p| p.projects.len());
        assert_eq!(count("DTTS"), 10);
        assert_eq!(count("GNBV"), 7);
        assert_eq!(count("NTM"), 11);
    }

    #[test]
    fn ntm_content_groups_are_numbered_one_to_eleven_and_uncertain_wording_is_marked() {
        let ntm = program("NTM").expect("NTM");
        let codes: Vec<String> = ntm.projects.iter().map(|p| p.code.clone()).collect();
        let want: Vec<String> = (1..=11).map(|n| format!("ND{n}")).collect();
        assert_eq!(codes, want);
        assert!(ntm.projects.iter().all(|p| p.subprojects.is_empty()));
        // None was compared word for word with the gazette text; the abridged or least
        // certain names say so in the data.
        let uncertain: Vec<&str> = ntm
            .projects
            .iter()
            .filter(|p| p.uncertain)
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(uncertain, ["ND1", "ND3", "ND5", "ND6", "ND8"]);
        let data: serde_json::Value = serde_json::from_str(DATA).expect("catalogue JSON");
        let ntm_data = &data["programs"][2];
        assert!(
            ntm_data["projects_source"]
                .as_str()
                .is_some_and(|s| s.contains("263/QĐ-TTg") && s.contains("nội dung thành phần"))
        );
    }

    #[test]
    fn every_code_of_the_shipped_fixtures_has_a_name() {
        // The lines the demo and the fixtures open: each program, project and sub-project
        // code prints as a name, never as a bare code.
        let fixtures = [
            include_str!("../../replay-fixtures/lung-phinh-2025/events.jsonl"),
            include_str!("../../replay-fixtures/corrections/01-2024.jsonl"),
            include_str!("../../replay-fixtures/corrections/02-2025-q1.jsonl"),
        ];
        let mut seen = 0;
        for line in fixtures.iter().flat_map(|f| f.lines()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture line");
            if v["type"] != "open_line" {
                continue;
            }
            let program = v["program"].as_str().expect("program");
            assert_ne!(program_name(program), program);
            if let Some(project) = v["project"].as_str() {
                assert_ne!(project_label(program, project), project, "{line}");
                if let Some(sub) = v["subproject"].as_str() {
                    let label = subproject_label(program, project, sub);
                    assert_ne!(label, sub, "{line}");
                }
            }
            seen += 1;
        }
        assert!(seen > 50, "{seen}");
    }

    #[test]
    fn names_print_as_the_seed_does_and_unknown_codes_stay_codes() {
        assert_eq!(
            program_name("DTTS"),
            "Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi"
        );
        assert_eq!(
            program_name("GNBV"),
            "Chương trình MTQG giảm nghèo bền vững"
        );
        assert_eq!(program_name("XYZ"), "XYZ");
        assert_eq!(
            project_label("GNBV", "DA2"),
            "DA2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo"
        );
        assert_eq!(
            subproject_label("GNBV", "DA3", "TDA1"),
            "TDA1: Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp"
        );
        assert_eq!(project_label("DTTS", "DA11"), "DA11");
        // NTM's content groups, by the codes its lines carry (2025/NTM/SN/ND1/NSDP).
        assert_eq!(
            project_label("NTM", "ND10"),
            "ND10: Giữ vững quốc phòng, an ninh và trật tự xã hội nông thôn"
        );
        assert!(project_label("NTM", "ND1").starts_with("ND1: Nâng cao hiệu quả quản lý"));
        assert_eq!(project_label("NTM", "ND12"), "ND12");
        assert_eq!(subproject_label("DTTS", "DA1", "TDA9"), "TDA9");
    }
}
