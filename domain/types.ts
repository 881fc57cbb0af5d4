/** Shapes shared by the API, workflows and activities. Plain data only: they travel through Temporal payloads. */

export interface GuestProfile {
  pmsProfileId: string;
  firstName: string;
  lastName: string;
  email: string;
  /** BCP 47, e.g. 'en' or 'zh-CN'. */
  locale: string;
  /** IANA zone, e.g. 'Asia/Shanghai'. */
  timezone: string;
}

export interface StayFacts {
  pmsStayId: string;
  propertyCode: string;
  /** 'YYYY-MM-DD' */
  arrival: string;
  /** 'YYYY-MM-DD' */
  departure: string;
  nights: number;
  /** Decimal string with at most two fraction digits, e.g. '1280.00'. */
  roomRevenue: string;
  /** ISO 4217 */
  currency: string;
}
