//! Diesel's view of the tables in `migrations/`. Both backends share it: the
//! migrations differ only in how each spells an auto-increment key.

diesel::table! {
    themes (code) {
        code -> Text,
        parent_code -> Nullable<Text>,
        name -> Text,
        description -> Text,
        cmm_factors -> Text,
        position -> Integer,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
    }
}

diesel::table! {
    countries (iso3) {
        iso3 -> Text,
        iso2 -> Text,
        m49 -> Text,
        name_en -> Text,
        name_fr -> Text,
        name_es -> Text,
        independent -> Bool,
        region_code -> Nullable<Text>,
        subregion_code -> Nullable<Text>,
        intermediate_code -> Nullable<Text>,
        income_level -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
    }
}

diesel::table! {
    country_groups (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        as_of -> Date,
    }
}

diesel::table! {
    country_group_members (group_code, iso3) {
        group_code -> Text,
        iso3 -> Text,
    }
}

diesel::table! {
    languages (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    reference_meta (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    providers (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        kind -> Text,
        hq_country -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        description -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        changed_in -> BigInt,
    }
}

diesel::table! {
    offerings (id) {
        id -> BigInt,
        key -> Text,
        provider_id -> BigInt,
        title -> Text,
        description -> Text,
        coverage_global -> Bool,
        capacity -> Nullable<Integer>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        status -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        changed_in -> BigInt,
    }
}

diesel::table! {
    offering_facets (offering_id, facet, code) {
        offering_id -> BigInt,
        facet -> Text,
        code -> Text,
    }
}

diesel::table! {
    assessments (id) {
        id -> BigInt,
        key -> Text,
        country -> Text,
        latest_revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        visibility -> Text,
    }
}

diesel::table! {
    assessment_revisions (id) {
        id -> BigInt,
        assessment_id -> BigInt,
        revision -> Integer,
        status -> Text,
        submitted_by -> Text,
        contact -> Nullable<Text>,
        note -> Text,
        withdrawn_reason -> Nullable<Text>,
        change_summary -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    needs (id) {
        id -> BigInt,
        revision_id -> BigInt,
        position -> Integer,
        key -> Text,
        theme -> Nullable<Text>,
        priority -> Nullable<Text>,
        current_stage -> Nullable<Integer>,
        target_stage -> Nullable<Integer>,
        description -> Text,
        wanted_by -> Nullable<Date>,
        status -> Text,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    need_facets (need_id, facet, code) {
        need_id -> BigInt,
        facet -> Text,
        code -> Text,
    }
}

diesel::table! {
    change_counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        weekly_digest -> Bool,
        digest_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_roles (id) {
        id -> BigInt,
        account_id -> BigInt,
        role -> Text,
        provider_key -> Nullable<Text>,
        country -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        account_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    account_links (token_hash) {
        token_hash -> Text,
        account_id -> BigInt,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_failures (subject) {
        subject -> Text,
        failures -> Integer,
        first_failed_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        account_id -> Nullable<BigInt>,
        actor -> Text,
        record_kind -> Text,
        record_key -> Text,
        action -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        created_at -> Timestamp,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    reviews (record_kind, record_key) {
        record_kind -> Text,
        record_key -> Text,
        state -> Text,
        comment -> Nullable<Text>,
        applicant_account -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    matches (id) {
        id -> BigInt,
        key -> Text,
        assessment_id -> BigInt,
        need_key -> Text,
        theme -> Text,
        offering_id -> BigInt,
        initiative -> Text,
        state -> Text,
        score -> Integer,
        factors -> Text,
        outcome -> Nullable<Text>,
        rating -> Nullable<Integer>,
        outcome_comment -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        state_since -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    match_events (id) {
        id -> BigInt,
        match_id -> BigInt,
        at -> Timestamp,
        account_id -> Nullable<BigInt>,
        actor -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        note -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        created_at -> Timestamp,
        subject -> Text,
        body -> Text,
        link -> Text,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    unmatched_needs (assessment_id, need_key) {
        assessment_id -> BigInt,
        need_key -> Text,
        listed_at -> Timestamp,
    }
}

diesel::joinable!(offerings -> providers (provider_id));
diesel::joinable!(matches -> assessments (assessment_id));
diesel::joinable!(matches -> offerings (offering_id));
diesel::joinable!(match_events -> matches (match_id));
diesel::joinable!(notifications -> accounts (account_id));
diesel::joinable!(unmatched_needs -> assessments (assessment_id));
diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(account_roles -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(account_links -> accounts (account_id));
diesel::joinable!(assessment_revisions -> assessments (assessment_id));
diesel::joinable!(needs -> assessment_revisions (revision_id));
diesel::joinable!(need_facets -> needs (need_id));
diesel::joinable!(offering_facets -> offerings (offering_id));
diesel::joinable!(country_group_members -> country_groups (group_code));
diesel::joinable!(country_group_members -> countries (iso3));

diesel::allow_tables_to_appear_in_same_query!(
    themes,
    regions,
    countries,
    country_groups,
    country_group_members,
    languages,
    reference_meta,
    providers,
    offerings,
    offering_facets,
    assessments,
    assessment_revisions,
    needs,
    need_facets,
    change_counters,
    accounts,
    account_roles,
    sessions,
    account_links,
    sign_in_failures,
    audit_events,
    api_tokens,
    outbox,
    reviews,
    matches,
    match_events,
    notifications,
    unmatched_needs,
);
