/**
 * Migrations are listed here, not discovered on disk, so they run the same
 * under tsx, vitest and compiled JavaScript. Add new ones at the end.
 */
import type { Knex } from 'knex';
import * as m001 from './20261123_001_foundation.js';
import * as m002 from './20261123_002_api_keys.js';
import * as m003 from './20261123_003_points_bigint_mail_lease.js';
import * as m004 from './20261124_004_core_fixes.js';
import * as m005 from './20261124_005_lifecycle.js';
import * as m006 from './20261124_006_send_planning.js';
import * as m007 from './20261124_007_service_recovery.js';
import * as m008 from './20261124_008_surveys.js';
import * as m009 from './20261124_009_cadences.js';
import * as m010 from './20261124_010_template_versions.js';
import * as m012 from './20261124_012_stay_checkins.js';
import * as m013 from './20261124_013_operations_indexes.js';
import * as m014 from './20261124_014_guest_search.js';
import * as m015 from './20261125_015_mail_facts.js';
import * as m016 from './20261206_016_program_rules_v2.js';
import * as m017 from './20261206_017_stays_awaiting_rate.js';
import * as m018 from './20261206_018_timeline_indexes.js';
import * as m019 from './20261206_019_guest_search_v2.js';
import * as m020 from './20261206_020_arrivals.js';
import * as m021 from './20261206_021_staff_sessions.js';
import * as m022 from './20261206_022_guest_preferences.js';
import * as m023 from './20261206_023_segments.js';
import * as m024 from './20261206_024_campaigns.js';
import * as m025 from './20261206_025_report_indexes.js';
import * as m026 from './20261206_026_program_rules_drafts.js';
import * as m027 from './20261206_027_stay_amendments.js';
import * as m028 from './20261206_028_pms_adapters.js';
import * as m029 from './20261206_029_member_import.js';
import * as m030 from './20261206_030_privacy.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Record<string, Migration> = {
  '20261123_001_foundation': m001,
  '20261123_002_api_keys': m002,
  '20261123_003_points_bigint_mail_lease': m003,
  '20261124_004_core_fixes': m004,
  '20261124_005_lifecycle': m005,
  '20261124_006_send_planning': m006,
  '20261124_007_service_recovery': m007,
  '20261124_008_surveys': m008,
  '20261124_009_cadences': m009,
  '20261124_010_template_versions': m010,
  '20261124_012_stay_checkins': m012,
  '20261124_013_operations_indexes': m013,
  '20261124_014_guest_search': m014,
  '20261125_015_mail_facts': m015,
  '20261206_016_program_rules_v2': m016,
  '20261206_017_stays_awaiting_rate': m017,
  '20261206_018_timeline_indexes': m018,
  '20261206_019_guest_search_v2': m019,
  '20261206_020_arrivals': m020,
  '20261206_021_staff_sessions': m021,
  '20261206_022_guest_preferences': m022,
  '20261206_023_segments': m023,
  '20261206_024_campaigns': m024,
  '20261206_025_report_indexes': m025,
  '20261206_026_program_rules_drafts': m026,
  '20261206_027_stay_amendments': m027,
  '20261206_028_pms_adapters': m028,
  '20261206_029_member_import': m029,
  '20261206_030_privacy': m030,
};
