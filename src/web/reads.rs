//! What the pages and the JSON API both read: one function each, so the
//! two fronts cannot drift apart.

use std::sync::Arc;

use super::error::{AppError, missing};
use super::params::CatalogueParams;
use super::session::Viewer;
use super::with_db;
use crate::db::reviews::Review;
use crate::db::{self, DataVersions, Page, PageRequest};
use crate::directory::{Directory, ProviderSummary};
use crate::domain::access::{Action, Readership};
use crate::domain::assessment::{Assessment, OpenNeed, by_urgency};
use crate::domain::audit::AuditedRecord;
use crate::domain::catalogue::CatalogueFilter;
use crate::domain::codes::{LanguageCode, RecordKey};
use crate::domain::{Country, Offering, Provider, ReferenceData};
use crate::startup::{CountryAssessments, CountryAssessmentsKey, Storage};

fn filter(
    params: &CatalogueParams,
    reference: &ReferenceData,
) -> Result<CatalogueFilter, AppError> {
    params
        .resolve(reference)
        .map_err(|e| AppError::BadRequest(e.to_string()))
}

/// The data versions as of this request (see `cache::VersionGate`).
pub async fn versions(storage: &Storage) -> Result<DataVersions, AppError> {
    storage
        .versions
        .current(|| with_db(storage, |conn| Ok(db::data_versions(conn)?)))
        .await
}

/// `read` of the directory in memory as the database held it when the
/// request arrived.
pub async fn directory<T, R>(storage: &Storage, read: R) -> Result<T, AppError>
where
    T: Send + 'static,
    R: FnOnce(&Directory) -> T + Send + 'static,
{
    let (catalogue, _, _) = versions(storage).await?;
    directory_at(storage, catalogue, read).await
}

/// `read` of the directory at catalogue `version` or later. Usually it is
/// there already, and is read in place; after a save, what moved is read
/// first.
async fn directory_at<T, R>(storage: &Storage, version: i64, read: R) -> Result<T, AppError>
where
    T: Send + 'static,
    R: FnOnce(&Directory) -> T + Send + 'static,
{
    match storage.directory.read_at(version, read) {
        Ok(found) => Ok(found),
        Err(read) => {
            let cache = storage.directory.clone();
            with_db(storage, move |conn| Ok(cache.read(conn, version, read)?)).await
        }
    }
}

/// What `read` finds in the directory with the filters and page asked.
async fn listed<T, R>(storage: &Storage, params: &CatalogueParams, read: R) -> Result<T, AppError>
where
    T: Send + 'static,
    R: FnOnce(&Directory, &CatalogueFilter, PageRequest) -> T + Send + 'static,
{
    let filter = filter(params, &storage.reference)?;
    let page = PageRequest::new(params.page_number());
    directory(storage, move |d| read(d, &filter, page)).await
}

/// One page of the providers the filters select.
pub async fn providers(
    storage: &Storage,
    params: &CatalogueParams,
) -> Result<Page<ProviderSummary>, AppError> {
    listed(storage, params, Directory::providers).await
}

/// One page of the offerings the filters select.
pub async fn offerings(
    storage: &Storage,
    params: &CatalogueParams,
) -> Result<Page<Arc<Offering>>, AppError> {
    listed(storage, params, Directory::offerings).await
}

/// A list page's records, with the languages its filter form offers: those
/// the listed offerings are in, read from the same directory.
pub struct Listing<T> {
    pub found: Page<T>,
    pub languages: Vec<LanguageCode>,
}

/// [`providers`], for the page.
pub async fn providers_listing(
    storage: &Storage,
    params: &CatalogueParams,
) -> Result<Listing<ProviderSummary>, AppError> {
    with_languages(storage, params, Directory::providers).await
}

/// [`offerings`], for the page.
pub async fn offerings_listing(
    storage: &Storage,
    params: &CatalogueParams,
) -> Result<Listing<Arc<Offering>>, AppError> {
    with_languages(storage, params, Directory::offerings).await
}

/// The page `rows` finds, and the languages offered, in one reading.
async fn with_languages<T: Send + 'static>(
    storage: &Storage,
    params: &CatalogueParams,
    rows: fn(&Directory, &CatalogueFilter, PageRequest) -> Page<T>,
) -> Result<Listing<T>, AppError> {
    listed(storage, params, move |d, filter, page| Listing {
        found: rows(d, filter, page),
        languages: d.offered_languages(),
    })
    .await
}

/// A record and where it stands in review: one waiting for review is shown
/// only to those who may edit it, and to nobody else exists.
pub struct Reviewed<T> {
    pub record: T,
    pub review: Option<Review>,
}

/// A provider, where it stands, and one page of its offerings (with those
/// waiting for review, for its editors).
pub async fn provider(
    storage: &Storage,
    viewer: &Viewer,
    key: &RecordKey,
    page: PageRequest,
) -> Result<(Reviewed<Provider>, Page<Offering>), AppError> {
    let edits = viewer.allows(Action::EditProvider(key));
    let key = key.to_string();
    with_db(storage, move |conn| {
        let provider = db::providers::find(conn, &key).map_err(missing("provider", &key))?;
        let review = db::reviews::state(conn, AuditedRecord::Provider, &key)?;
        if review.is_some() && !edits {
            return Err(AppError::NotFound(format!("The provider \"{key}\"")));
        }
        let offerings = db::offerings::of_provider(conn, provider.id, !edits, page)?;
        Ok((
            Reviewed {
                record: provider,
                review,
            },
            offerings,
        ))
    })
    .await
}

/// An offering and where it stands; hidden while it or its provider waits
/// for review, but from their editors.
pub async fn offering(
    storage: &Storage,
    viewer: &Viewer,
    key: &RecordKey,
) -> Result<Reviewed<Offering>, AppError> {
    let key = key.to_string();
    let viewer = viewer.clone();
    with_db(storage, move |conn| {
        let offering = db::offerings::find(conn, &key).map_err(missing("offering", &key))?;
        let review = db::reviews::state(conn, AuditedRecord::Offering, &key)?;
        let provider_waits = db::reviews::state(
            conn,
            AuditedRecord::Provider,
            offering.data.provider.as_str(),
        )?
        .is_some();
        if (review.is_some() || provider_waits)
            && !viewer.allows(Action::EditOffering(&offering.data.provider))
        {
            return Err(AppError::NotFound(format!("The offering \"{key}\"")));
        }
        Ok(Reviewed {
            record: offering,
            review,
        })
    })
    .await
}

/// What a country's page and its API document show besides the reference
/// data: a page of the offerings that reach it, a page of its assessments,
/// and its open needs, most urgent first.
pub struct CountryRead {
    pub reaching: Page<Arc<Offering>>,
    pub assessments: Page<Assessment>,
    pub open_needs: Vec<OpenNeed>,
}

pub async fn country(
    storage: &Storage,
    country: &Country,
    readership: &Readership,
    offerings: PageRequest,
    assessments: PageRequest,
) -> Result<CountryRead, AppError> {
    let filter = reaching(country, &storage.reference)?;
    let versions = versions(storage).await?;
    let reaching = directory_at(storage, versions.0, move |d| {
        d.offerings(&filter, offerings)
    })
    .await?;
    let (assessments, open_needs) =
        assessments_of(storage, country, readership, assessments, versions).await?;
    Ok(CountryRead {
        reaching,
        assessments,
        open_needs,
    })
}

/// A page of a country's assessments and its open needs, most urgent
/// first, as `readership` may read them: kept while the assessments are
/// unchanged, as a country's page is read far more often than written.
async fn assessments_of(
    storage: &Storage,
    country: &Country,
    readership: &Readership,
    page: PageRequest,
    versions: DataVersions,
) -> Result<CountryAssessments, AppError> {
    let visible = readership.visible_in(&country.iso3);
    let key = CountryAssessmentsKey {
        country: country.iso3.clone(),
        visible: visible.clone(),
        page: (page.number, page.per_page),
    };
    let (_, assessments_version, _) = versions;
    if let Some(kept) = storage.country_reads.get(&key, assessments_version) {
        return Ok(kept);
    }
    let iso3 = country.iso3.to_string();
    let read = with_db(storage, move |conn| {
        let mut open_needs = db::assessments::open_needs(conn, Some(&iso3))?;
        open_needs.retain(|n| visible.contains(&n.visibility));
        by_urgency(&mut open_needs);
        let assessments = db::assessments::of_country(conn, &iso3, &visible, page)?;
        Ok((assessments, open_needs))
    })
    .await?;
    storage
        .country_reads
        .put(key, assessments_version, read.clone());
    Ok(read)
}

/// The catalogue filter of the offerings that reach a country and admit it.
fn reaching(country: &Country, reference: &ReferenceData) -> Result<CatalogueFilter, AppError> {
    let params = CatalogueParams {
        country: Some(country.iso3.to_string()),
        ..CatalogueParams::default()
    };
    filter(&params, reference)
}

/// What a country's API document counts and lists: how many offerings
/// reach it, and a page of its assessments.
pub async fn country_summary(
    storage: &Storage,
    country: &Country,
    readership: &Readership,
    assessments: PageRequest,
) -> Result<(i64, Page<Assessment>), AppError> {
    let filter = reaching(country, &storage.reference)?;
    let versions = versions(storage).await?;
    let reaching = directory_at(storage, versions.0, move |d| d.count_offerings(&filter)).await?;
    let (assessments, _) =
        assessments_of(storage, country, readership, assessments, versions).await?;
    Ok((reaching, assessments))
}
