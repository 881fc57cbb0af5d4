/** One template in one locale: Handlebars sources of the subject and the two bodies. */
export interface TemplateSource {
  subject: string;
  text: string;
  html: string;
}
