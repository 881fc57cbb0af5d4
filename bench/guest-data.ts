/**
 * The data of bench/guest-reads.ts: N guests with what a guest of some years has, written by a few
 * `insert … select` statements over generate_series inside PostgreSQL (100,000 guests in about a minute on two
 * cores), not row by row:
 *
 * - guests: 45 % with a Chinese name in Chinese characters (a surname of one character, a given name of one or
 *   two), 20 % with a Chinese name in pinyin, 35 % with a Latin name (English, German, French, Italian, Spanish,
 *   Japanese, Korean, Vietnamese, Scandinavian, Polish), so a part of a name finds one guest or thousands as at a
 *   real hotel group; an e-mail address from the name (pinyin for Chinese characters) and a number; 70 % with a
 *   phone; member numbers, stages and tiers in plausible shares;
 * - 1 to 8 stays each (4.5 on average) at 12 properties over the last three years, and a `stay_base` ledger row
 *   per stay with its running balance;
 * - two mails per stay (the thank-you and the survey, sent) and a suppressed review request for every third
 *   stay, with bodies of about 200 characters of text and 600 of HTML;
 * - a stage row per guest (two when the stage is not the first one), a tier row per guest above member,
 *   bookings for 15 % of guests (a tenth cancelled), and a service case for 3 % (a third of them open).
 *
 * `random()` is seeded, so the same N gives the same names, shares and counts.
 */
import type { Knex } from 'knex';

/** Chinese surnames with their pinyin (the 60 most common). */
const SURNAMES: [string, string][] = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['高', 'gao'],
  ['林', 'lin'],
  ['罗', 'luo'],
  ['郑', 'zheng'],
  ['梁', 'liang'],
  ['谢', 'xie'],
  ['宋', 'song'],
  ['唐', 'tang'],
  ['许', 'xu'],
  ['韩', 'han'],
  ['冯', 'feng'],
  ['邓', 'deng'],
  ['曹', 'cao'],
  ['彭', 'peng'],
  ['曾', 'zeng'],
  ['肖', 'xiao'],
  ['田', 'tian'],
  ['董', 'dong'],
  ['袁', 'yuan'],
  ['潘', 'pan'],
  ['于', 'yu'],
  ['蒋', 'jiang'],
  ['蔡', 'cai'],
  ['余', 'yu'],
  ['杜', 'du'],
  ['叶', 'ye'],
  ['程', 'cheng'],
  ['苏', 'su'],
  ['魏', 'wei'],
  ['吕', 'lv'],
  ['丁', 'ding'],
  ['任', 'ren'],
  ['沈', 'shen'],
  ['姚', 'yao'],
  ['卢', 'lu'],
  ['姜', 'jiang'],
  ['崔', 'cui'],
  ['钟', 'zhong'],
  ['谭', 'tan'],
  ['陆', 'lu'],
  ['汪', 'wang'],
  ['范', 'fan'],
  ['金', 'jin'],
];

/** Characters of given names, with their pinyin. */
const GIVEN: [string, string][] = [
  ['伟', 'wei'],
  ['芳', 'fang'],
  ['娜', 'na'],
  ['敏', 'min'],
  ['静', 'jing'],
  ['丽', 'li'],
  ['强', 'qiang'],
  ['磊', 'lei'],
  ['军', 'jun'],
  ['洋', 'yang'],
  ['勇', 'yong'],
  ['艳', 'yan'],
  ['杰', 'jie'],
  ['娟', 'juan'],
  ['涛', 'tao'],
  ['明', 'ming'],
  ['超', 'chao'],
  ['秀', 'xiu'],
  ['霞', 'xia'],
  ['平', 'ping'],
  ['刚', 'gang'],
  ['桂', 'gui'],
  ['英', 'ying'],
  ['华', 'hua'],
  ['玉', 'yu'],
  ['萍', 'ping'],
  ['红', 'hong'],
  ['建', 'jian'],
  ['文', 'wen'],
  ['辉', 'hui'],
  ['宇', 'yu'],
  ['鑫', 'xin'],
  ['小', 'xiao'],
  ['晓', 'xiao'],
  ['云', 'yun'],
  ['飞', 'fei'],
  ['鹏', 'peng'],
  ['宁', 'ning'],
  ['婷', 'ting'],
  ['雪', 'xue'],
  ['琳', 'lin'],
  ['丹', 'dan'],
  ['俊', 'jun'],
  ['峰', 'feng'],
  ['亮', 'liang'],
  ['波', 'bo'],
  ['斌', 'bin'],
  ['浩', 'hao'],
  ['凯', 'kai'],
  ['春', 'chun'],
  ['海', 'hai'],
  ['燕', 'yan'],
  ['瑞', 'rui'],
  ['欣', 'xin'],
  ['怡', 'yi'],
  ['梅', 'mei'],
  ['兰', 'lan'],
  ['志', 'zhi'],
  ['新', 'xin'],
  ['国', 'guo'],
  ['嘉', 'jia'],
  ['佳', 'jia'],
  ['子', 'zi'],
  ['梓', 'zi'],
  ['轩', 'xuan'],
  ['涵', 'han'],
  ['晨', 'chen'],
  ['阳', 'yang'],
  ['思', 'si'],
  ['雨', 'yu'],
];

const LATIN_FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'William',
  'Elizabeth',
  'David',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Ada',
  'Hannah',
  'Lukas',
  'Emma',
  'Noah',
  'Sophie',
  'Pierre',
  'Marie',
  'Hans',
  'Yuki',
  'Hiroshi',
  'Anna',
  'Lars',
  'Giulia',
  'Marco',
  'Lucia',
  'Carlos',
  'Ines',
  'Mateo',
  'Chloé',
  'Léa',
  'Jörg',
  'Minh',
  'Ji-ho',
  'Seo-yeon',
  'Astrid',
  'Piotr',
  'Zofia',
  'Olivia',
  'Liam',
  'Amelia',
  'Oliver',
  'Isla',
  'Ethan',
  'Mia',
  'Kenji',
  'Aiko',
];

const LATIN_LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Lovelace',
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Dubois',
  'Martin',
  'Bernard',
  'Lefèvre',
  'Rossi',
  'Russo',
  'Ferrari',
  'Esposito',
  'Fernández',
  'López',
  'Tanaka',
  'Suzuki',
  'Sato',
  'Takahashi',
  'Watanabe',
  'Nguyen',
  'Tran',
  'Kim',
  'Park',
  'Lee',
  'Choi',
  'Andersson',
  'Johansson',
  'Larsen',
  'Hansen',
  'Nowak',
  'Kowalski',
  'Wiśniewski',
  'Taylor',
  'Wilson',
  'Anderson',
  'Thomas',
  'Moore',
  'Jackson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Walker',
  'Hall',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Green',
];

const DOMAINS = [
  'qq.example',
  '163.example',
  '126.example',
  'gmail.example',
  'outlook.example',
  'icloud.example',
  'yahoo.example',
  'sina.example',
  'corp-a.example',
  'corp-b.example',
];

export const PROPERTIES = [
  'SHA-BUND',
  'SHA-PUDONG',
  'BJS-CBD',
  'BJS-WANGFUJING',
  'CAN-TIANHE',
  'SZX-FUTIAN',
  'HGH-WESTLAKE',
  'CTU-TAIKOO',
  'HKG-CENTRAL',
  'SIN-MARINA',
  'TYO-GINZA',
  'LON-MAYFAIR',
];

const BODY_TEXT =
  'Dear guest, thank you for staying with us. Your stay earned points, and your balance is shown in the app. ' +
  'We hope to welcome you back soon. The team at the hotel.';
const BODY_HTML = `<!doctype html><html><body style="font-family:sans-serif"><table role="presentation" width="100%"><tr><td>
<h1 style="font-size:20px">Thank you for your stay</h1><p>Dear guest, thank you for staying with us. Your stay earned
points, and your balance is shown in the app.</p><p>We hope to welcome you back soon.</p><p style="color:#666">The team
at the hotel</p><p style="font-size:11px;color:#999">You receive this mail because you stayed with us.</p></td></tr>
</table></body></html>`;

export interface DataCounts {
  guests: number;
  stays: number;
  ledger: number;
  mails: number;
  cases: number;
  bookings: number;
}

/** Writes the data; `log` gets a line per statement with its time. */
export async function generateGuestData(
  db: Knex,
  guests: number,
  log: (line: string) => void,
): Promise<DataCounts> {
  // One transaction on one connection, so the seed holds for every statement.
  return db.transaction(async (trx) => {
    const q = async (what: string, sql: string, bindings: Record<string, unknown> = {}) => {
      const t0 = performance.now();
      const result = await trx.raw<{ rowCount: number }>(sql, bindings);
      log(
        `  ${what.padEnd(34)} ${String(result.rowCount ?? 0).padStart(9)} rows  ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      return result.rowCount ?? 0;
    };
    await trx.raw('set local synchronous_commit = off');
    // A lateral subquery below names a column of its row (`0 * s`, `0 * length(g.id::text)`) so that it runs,
    // and draws its random numbers, once per row.
    await trx.raw('select setseed(0.42)');

    const guestRows = await q(
      'guests',
      `with src as (
         select n, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7,
                random() r8, random() r9
           from generate_series(1, :guests::int) n
       ), named as (
         select src.*,
                case when r1 < 0.45 then 'cn' when r1 < 0.65 then 'py' else 'latin' end as kind,
                1 + floor(r2 * cardinality(:surnames::text[]))::int as si,
                1 + floor(r3 * cardinality(:given::text[]))::int as g1,
                case when r4 < 0.6 then 1 + floor(r5 * cardinality(:given::text[]))::int end as g2,
                1 + floor(r2 * cardinality(:latinFirst::text[]))::int as lf,
                1 + floor(r3 * cardinality(:latinLast::text[]))::int as ll,
                (:domains::text[])[1 + floor(r5 * cardinality(:domains::text[]))::int] as domain
           from src
       ), names as (
         select named.*,
                case kind
                  when 'cn' then (:given::text[])[g1] || coalesce((:given::text[])[g2], '')
                  when 'py' then initcap((:givenPinyin::text[])[g1] || coalesce((:givenPinyin::text[])[g2], ''))
                  else (:latinFirst::text[])[lf] end as first_name,
                case kind
                  when 'cn' then (:surnames::text[])[si]
                  when 'py' then initcap((:surnamePinyin::text[])[si])
                  else (:latinLast::text[])[ll] end as last_name
           from named
       )
       insert into guests (source, pms_profile_id, first_name, last_name, email, locale, timezone, profile_as_of,
                           created_at, updated_at, member_number, enrolled_at, enrolment_channel, birthday,
                           marketing_consent, phone, stage, tier, tier_valid_through)
       select 'pms', 'P-' || n, first_name, last_name,
              case kind
                when 'cn' then (:surnamePinyin::text[])[si] || '.' || (:givenPinyin::text[])[g1]
                               || coalesce((:givenPinyin::text[])[g2], '') || n
                else translate(lower(first_name || '.' || last_name), 'üéèöśçíóá- ', 'ueeoscioa') || n end
                || '@' || domain,
              case when kind = 'cn' or (kind = 'py' and r6 < 0.6) then 'zh-CN' else 'en' end,
              case when kind = 'latin' then 'Europe/London' else 'Asia/Shanghai' end,
              now() - make_interval(days => (r7 * 1000)::int),
              now() - make_interval(days => 1100 + (r7 * 800)::int),
              now() - make_interval(days => (r7 * 1000)::int),
              case when r8 >= 0.1 then 'M' || (100000000 + n) end,
              case when r8 >= 0.1 then now() - make_interval(days => 1100 + (r7 * 800)::int) end,
              case when r8 >= 0.1 then (case when r9 < 0.5 then 'stay' when r9 < 0.8 then 'front_desk' else 'online' end) end,
              case when r9 < 0.6 then date '1950-01-01' + (r6 * 18000)::int end,
              r6 < 0.7,
              case when r4 < 0.7 then
                case when kind = 'latin' then '+44 20 ' || lpad(((n * 7919) % 10000)::text, 4, '0') || ' ' || lpad((n % 10000)::text, 4, '0')
                     else '+86 13' || (n % 10) || ' ' || lpad(((n * 7919) % 10000)::text, 4, '0') || ' ' || lpad((n % 10000)::text, 4, '0') end
              end,
              case when r8 < 0.03 then 'prospect' when r8 < 0.1 then 'member' when r7 < 0.35 then 'member'
                   when r7 < 0.65 then 'regular' when r7 < 0.73 then 'vip' when r7 < 0.81 then 'at_risk'
                   when r7 < 0.89 then 'lapsed' when r7 < 0.95 then 'reactivated' else 'churned' end,
              case when r9 < 0.75 then 'member' when r9 < 0.9 then 'silver' when r9 < 0.97 then 'gold' else 'diamond' end,
              case when r9 >= 0.75 then date '2027-12-31' end
         from names`,
      {
        guests,
        surnames: SURNAMES.map((s) => s[0]),
        surnamePinyin: SURNAMES.map((s) => s[1]),
        given: GIVEN.map((g) => g[0]),
        givenPinyin: GIVEN.map((g) => g[1]),
        latinFirst: LATIN_FIRST,
        latinLast: LATIN_LAST,
        domains: DOMAINS,
      },
    );

    const stays = await q(
      'stays (1–8 per guest)',
      `insert into stays (guest_id, source, pms_stay_id, property_code, arrival, departure, nights, room_revenue,
                          currency, checked_out_at, event_id, rules_version, created_at)
       select g.id, 'pms', 'S-' || g.pms_profile_id || '-' || s, v.property, v.departure - v.nights, v.departure,
              v.nights, v.revenue, 'CNY', v.departure + time '03:00', 'evt-bench-' || g.pms_profile_id || '-' || s,
              2, v.departure + time '03:00'
         from guests g
        cross join lateral generate_series(1, 1 + (abs(hashtext(g.id::text)) % 8)) s
        cross join lateral (
          select 1 + floor(random() * 4)::int + 0 * s as nights,
                 (current_date - (s * 120 + floor(random() * 110)::int)) as departure,
                 (:properties::text[])[1 + floor(random() * cardinality(:properties::text[]))::int] as property,
                 round((400 + random() * 3600)::numeric, 2) as revenue
        ) v`,
      { properties: PROPERTIES },
    );

    const ledger = await q(
      'ledger (a stay_base row per stay)',
      `insert into points_ledger (guest_id, points, balance_after, reason, stay_id, idempotency_key, source,
                                  rules_version, effective_at, created_at)
       select guest_id, points, sum(points) over (partition by guest_id order by departure, id)::int, 'stay_base', id,
              'bench:stay-base:' || id, 'stay', 2, checked_out_at, checked_out_at
         from (select id, guest_id, departure, checked_out_at, floor(room_revenue * 1.40845)::int as points
                 from stays order by guest_id, departure) s`,
    );

    const mails = await q(
      'mails (2–3 per stay)',
      `insert into mail_outbox (idempotency_key, message_id, guest_id, template, locale, to_address, subject,
                                body_text, body_html, status, attempts, created_at, sent_at, class, planned_at,
                                send_at, audience, suppression_reason)
       select 'bench:' || s.id || ':' || m.step, '<bench-' || s.id || '-' || m.step || '@mail.example>', s.guest_id,
              m.template, g.locale, case when m.status = 'sent' then g.email else '' end, m.subject,
              case when m.status = 'sent' then :bodyText else '' end, case when m.status = 'sent' then :bodyHtml else '' end,
              m.status, case when m.status = 'sent' then 1 else 0 end, s.checked_out_at + m.after,
              case when m.status = 'sent' then s.checked_out_at + m.after end, m.class, s.checked_out_at + m.after,
              case when m.status = 'sent' then s.checked_out_at + m.after end, 'guest', m.reason
         from stays s join guests g on g.id = s.guest_id
        cross join lateral (values
          ('thank-you', 'stay-thank-you', 'Thank you for your stay', 'sent', 'transactional', interval '2 hours', null),
          ('survey', 'satisfaction-survey', 'How was your stay' || chr(63), 'sent', 'transactional', interval '1 day', null),
          ('review-request', 'review-request', '', 'suppressed', 'marketing', interval '3 days',
           'condition_not_met: score_at_least:4')
        ) m(step, template, subject, status, class, after, reason)
        where m.step <> 'review-request' or abs(hashtext(s.id::text)) % 3 = 0`,
      { bodyText: BODY_TEXT, bodyHtml: BODY_HTML },
    );

    await q(
      'stage rows',
      `insert into stage_history (guest_id, from_stage, to_stage, reason, actor, idempotency_key, at)
       select id, null, 'member', 'enrolled', 'workflow', 'bench:stage:1:' || id, created_at from guests
       union all
       select id, 'member', stage, 'bench', 'workflow', 'bench:stage:2:' || id, updated_at from guests
        where stage not in ('member', 'prospect')`,
    );
    await q(
      'tier rows',
      `insert into tier_history (guest_id, tier, previous_tier, valid_from, valid_through, source, reason,
                                 rules_version, idempotency_key, at)
       select id, tier, 'member', date '2026-01-01', tier_valid_through, 'review', 'bench', 2, 'bench:tier:' || id,
              timestamptz '2026-01-01 00:10:00+08'
         from guests where tier <> 'member'`,
    );
    const bookings = await q(
      'bookings (15 % of guests)',
      `insert into bookings (guest_id, source, pms_booking_id, property_code, arrival, departure, status,
                             created_at, cancelled_at)
       select id, 'pms', 'B-' || pms_profile_id, b.property, b.arrival, b.arrival + b.nights, b.status, now(),
              case when b.status = 'cancelled' then now() end
         from guests g
        cross join lateral (
          select (:properties::text[])[1 + floor(random() * cardinality(:properties::text[]))::int] as property,
                 current_date + floor(random() * 60)::int + 0 * length(g.id::text) as arrival,
                 1 + floor(random() * 4)::int as nights,
                 case when random() < 0.1 then 'cancelled' else 'created' end as status
        ) b
        where abs(hashtext(g.id::text || 'b')) % 100 < 15`,
      { properties: PROPERTIES },
    );
    const cases = await q(
      'service cases (3 % of guests)',
      `insert into service_cases (id, guest_id, workflow_id, status, source, category, priority, property_code,
                                  department, received_by, opened_at, sla_state, idempotency_key, resolved_at,
                                  resolutions, closed_at)
       select c.id, g.id, 'guest-' || g.id || '-case-' || c.id, c.status, 'phone', 'facilities', c.priority,
              (:properties::text[])[1 + abs(hashtext(g.id::text)) % cardinality(:properties::text[])], 'front_office',
              'Front desk', c.opened_at, 'on_track', 'bench:case:' || g.id,
              case when c.status <> 'open' then c.opened_at + interval '1 day' end,
              case when c.status <> 'open' then 1 else 0 end,
              case when c.status = 'closed' then c.opened_at + interval '5 days' end
         from guests g
        cross join lateral (
          select gen_random_uuid() as id,
                 case when random() < 0.34 then 'open' else 'closed' end as status,
                 case when random() < 0.2 then 'high' else 'normal' end as priority,
                 now() - make_interval(days => floor(random() * 700)::int + 0 * length(g.id::text)) as opened_at
        ) c
        where abs(hashtext(g.id::text || 'c')) % 100 < 3`,
      { properties: PROPERTIES },
    );
    return { guests: guestRows, stays, ledger, mails, cases, bookings };
  });
}
