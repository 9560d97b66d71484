//! The server functions of surveys: parse, authorize (in the store, from the database), act.
//! Answer sheets travel as JSON (`Vec<Answer>`), validated against the questions on the server.
use super::error::SurveyError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

#[cfg(feature = "ssr")]
fn invalid() -> SurveyError {
    crate::kernel::guard::fail(SurveyError::from(crate::kernel::error::CommonError::InvalidInput))
}

#[cfg(feature = "ssr")]
fn sheet(answers: &str) -> Result<Vec<super::model::Answer>, SurveyError> {
    serde_json::from_str(answers).map_err(|_| invalid())
}

/// The 调研 list of the viewer's community.
#[server(endpoint = "surveys/list")]
pub async fn list_surveys(community_id: Option<i64>) -> Result<SurveyList, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::list(&ctx()?.db, &p, community_id).await.map_err(fail)
}

#[server(endpoint = "surveys/get")]
pub async fn get_survey(id: i64) -> Result<SurveyView, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Answers, or changes the answer of, the caller's unit; `answers` is a `Vec<Answer>` as JSON.
#[server(endpoint = "surveys/answer")]
pub async fn answer_survey(id: i64, answers: String) -> Result<Receipt, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    let answers = sheet(&answers)?;
    super::store::respond(&ctx()?.db, &p, id, &answers).await.map_err(fail)
}

#[server(endpoint = "surveys/results")]
pub async fn survey_results(id: i64) -> Result<SurveyResult, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::results_of(&ctx()?.db, &p, id).await.map_err(fail)
}

/// The builder's choices (the community's buildings).
#[server(endpoint = "surveys/builder")]
pub async fn survey_builder(community_id: Option<i64>) -> Result<SurveyForm, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::form(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// Creates a survey; `spec` is a `NewSurvey` as JSON.
#[server(endpoint = "surveys/create")]
pub async fn create_survey(spec: String, community_id: Option<i64>) -> Result<i64, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    let n: NewSurvey = serde_json::from_str(&spec).map_err(|_| invalid())?;
    super::store::create(&ctx()?.db, &p, &n, community_id).await.map_err(fail)
}

#[server(endpoint = "surveys/desk")]
pub async fn survey_paper_desk(id: i64) -> Result<SurveyDesk, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::desk(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Keys in a unit's paper form (`answers`: a `Vec<Answer>` as JSON).
#[server(endpoint = "surveys/paper")]
pub async fn key_survey_paper(id: i64, unit_id: i64, answers: String) -> Result<Keying, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    let answers = sheet(&answers)?;
    super::store::paper(&ctx()?.db, &p, id, unit_id, &answers).await.map_err(fail)
}

/// A third worker's reading of a form keyed differently twice.
#[server(endpoint = "surveys/resolve")]
pub async fn resolve_survey_paper(id: i64, unit_id: i64, answers: String) -> Result<(), SurveyError> {
    use ssr::*;
    let p = principal().await?;
    let answers = sheet(&answers)?;
    super::store::resolve(&ctx()?.db, &p, id, unit_id, &answers).await.map_err(fail)
}

/// Closes the survey before its end.
#[server(endpoint = "surveys/close")]
pub async fn close_survey(id: i64) -> Result<SurveyResult, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::close_now(&ctx()?.db, &p, id).await.map_err(fail)
}

/// The text answers and their review (workers).
#[server(endpoint = "surveys/texts")]
pub async fn survey_text_answers(id: i64) -> Result<SurveyTexts, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::texts(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Shows a text answer to the residents with the results (`shown`), or keeps it from them.
#[server(endpoint = "surveys/review_text")]
pub async fn review_survey_text(id: i64, key: String, question: usize, shown: bool) -> Result<(), SurveyError> {
    use ssr::*;
    let p = principal().await?;
    super::store::review_text(&ctx()?.db, &p, id, &key, question, shown).await.map_err(fail)
}

/// Raises a need from a text answer for its respondent (代办): the text is its description.
#[server(endpoint = "surveys/raise_need")]
pub async fn raise_survey_need(id: i64, key: String, question: usize, category_id: i64, title: String) -> Result<i64, SurveyError> {
    use ssr::*;
    let p = principal().await?;
    // The need's own rules check the title (the description is the answer, checked when given).
    let n = crate::needs::api::new_need(category_id, &title, "-", None, "", "", "paper".into()).map_err(|e| fail(SurveyError::from(e)))?;
    super::store::raise_need(&ctx()?.db, &p, id, &key, question, &n).await.map_err(fail)
}
