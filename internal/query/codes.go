package query

// Codes name each kind of error and warning, for a user interface that
// shows them in the user's language: the code picks the message and Args
// fill it, in the order the English Msg or Message has them. Codes are
// stable; Msg and Message stay English for the API and the command line.
// Args hold what the query had (a word, an operator as written, a field
// name) or a limit, never English text.
const (
	CodeTooLong         = "toolong"          // length, limit
	CodeEmpty           = "empty"            //
	CodeQuoteUnclosed   = "quote.unclosed"   // the closing quote mark
	CodeQuoteUnopened   = "quote.unopened"   // the quote mark
	CodeProximityNumber = "proximity.number" //
	CodeProximityTooFar = "proximity.toofar" // limit
	CodeBraceUnclosed   = "brace.unclosed"   //
	CodeBraceUnopened   = "brace.unopened"   //
	CodeMinusDetached   = "minus.detached"   //
	CodeNearDistance    = "near.distance"    //
	CodeNearNumber      = "near.number"      //
	CodeNearZero        = "near.zero"        //
	CodeNearTooFar      = "near.toofar"      // limit
	CodeNearBothSides   = "near.bothsides"   // operator
	CodeNearOperands    = "near.operands"    // operator
	CodeOperatorSides   = "operator.sides"   // operator
	CodeOperatorBefore  = "operator.before"  // operator
	CodeOperandEnd      = "operand.end"      // operator
	CodeOperandMissing  = "operand.missing"  // operator, what was found instead
	CodeUnexpected      = "unexpected"       // what was found
	CodeUnexpectedEnd   = "unexpected.end"   //
	CodeParenUnopened   = "paren.unopened"   //
	CodeParenUnclosed   = "paren.unclosed"   //
	CodeParenEmpty      = "paren.empty"      //
	CodeTooManyClauses  = "clauses"          // limit
	CodeFieldUnknown    = "field.unknown"    // name, known fields
	CodeFieldSuggest    = "field.suggest"    // name, nearest field, known fields
	CodeLink            = "link"             //
	CodeFieldNoValue    = "field.novalue"    // field; the message ends with an example of it
	CodeFieldNested     = "field.nested"     // field
	CodeFieldCaseValue  = "field.casevalue"  // field
	CodeFieldInvalid    = "field.invalid"    // field, value; the message ends with an example of the field
	CodeFieldEmpty      = "field.empty"      // field; the message ends with an example of it
	CodeAuthorInvalid   = "author.invalid"   // value
	CodePhraseEmpty     = "phrase.empty"     //
	CodeCaseEmpty       = "case.empty"       //
	CodeCaseWildcard    = "case.wildcard"    //
	CodeHashtag         = "hashtag"          //
	CodeMention         = "mention"          //
	CodeMentionHost     = "mention.host"     //
	CodeWordEmpty       = "word.empty"       // word
	CodeWildcardStart   = "wildcard.start"   //
	CodeWildcardShort   = "wildcard.short"   // the word up to its wildcard
	CodeNothing         = "nothing"          //
	CodeNothingInOr     = "nothing.or"       //
	CodeNothingNegated  = "nothing.negated"  //
	WarnLowerCase       = "lowercase"        // word, operator
	WarnFrench          = "foreign.fr"       // word, operator
	WarnGerman          = "foreign.de"       // word, operator
	WarnItalian         = "foreign.it"       // word, operator
	WarnFrenchOrItalian = "foreign.fr-it"    // word, operator
)

// Codes returns every error and warning code, for a catalogue of messages
// to check that it has them all.
func Codes() []string {
	return []string{
		CodeTooLong, CodeEmpty, CodeQuoteUnclosed, CodeQuoteUnopened, CodeProximityNumber, CodeProximityTooFar,
		CodeBraceUnclosed, CodeBraceUnopened, CodeMinusDetached, CodeNearDistance, CodeNearNumber, CodeNearZero,
		CodeNearTooFar, CodeNearBothSides, CodeNearOperands, CodeOperatorSides, CodeOperatorBefore, CodeOperandEnd,
		CodeOperandMissing, CodeUnexpected, CodeUnexpectedEnd, CodeParenUnopened, CodeParenUnclosed, CodeParenEmpty,
		CodeTooManyClauses, CodeFieldUnknown, CodeFieldSuggest, CodeLink, CodeFieldNoValue, CodeFieldNested,
		CodeFieldCaseValue, CodeFieldInvalid, CodeFieldEmpty, CodeAuthorInvalid, CodePhraseEmpty, CodeCaseEmpty,
		CodeCaseWildcard, CodeHashtag, CodeMention, CodeMentionHost, CodeWordEmpty, CodeWildcardStart,
		CodeWildcardShort, CodeNothing, CodeNothingInOr, CodeNothingNegated,
		WarnLowerCase, WarnFrench, WarnGerman, WarnItalian, WarnFrenchOrItalian,
	}
}
