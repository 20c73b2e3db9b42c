/**
 * English given names and their usual short forms (ADR 0013: no maintained npm package
 * ships such a table, so a small one lives here). Each group is one name family; a name
 * may sit in several (bert: albert, robert, herbert), and two names are nicknames of each
 * other when they share a group.
 */
const groups: readonly string[][] = [
  ['robert', 'bob', 'bobby', 'rob', 'robbie', 'robby', 'bert', 'bertie'],
  ['william', 'will', 'bill', 'billy', 'willy', 'willie', 'liam'],
  ['richard', 'rick', 'ricky', 'dick', 'rich', 'richie'],
  ['james', 'jim', 'jimmy', 'jamie', 'jimbo'],
  ['john', 'jack', 'johnny', 'jon', 'jonny'],
  ['jonathan', 'jon', 'jonny', 'nathan'],
  ['michael', 'mike', 'mick', 'mickey', 'micky', 'mikey'],
  ['thomas', 'tom', 'tommy'],
  ['christopher', 'chris', 'kit', 'topher'],
  ['christine', 'chris', 'chrissy', 'tina', 'christina', 'kristina', 'kristine'],
  ['daniel', 'dan', 'danny'],
  ['matthew', 'matt', 'matty'],
  ['anthony', 'tony', 'ant'],
  ['joseph', 'joe', 'joey', 'jo'],
  ['josephine', 'jo', 'josie', 'jos'],
  ['charles', 'charlie', 'chuck', 'chas', 'chaz'],
  ['charlotte', 'charlie', 'lottie', 'lotte'],
  ['david', 'dave', 'davey', 'davie'],
  ['edward', 'ed', 'eddie', 'eddy', 'ted', 'teddy', 'ned'],
  ['edmund', 'ed', 'eddie', 'ned'],
  ['andrew', 'andy', 'drew'],
  ['alexander', 'alex', 'al', 'sandy', 'xander', 'lex', 'sasha'],
  ['alexandra', 'alex', 'alexa', 'sandra', 'sandy', 'lexi', 'sasha'],
  ['albert', 'al', 'bert', 'bertie', 'albie'],
  ['alfred', 'alf', 'alfie', 'fred', 'freddie'],
  ['frederick', 'fred', 'freddie', 'freddy', 'rick', 'fritz'],
  ['herbert', 'herb', 'bert', 'herbie'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy', 'sammie'],
  ['nicholas', 'nick', 'nicky', 'nico', 'klaus'],
  ['nicola', 'nicky', 'nikki', 'nic'],
  ['patrick', 'pat', 'paddy', 'patty'],
  ['patricia', 'pat', 'patty', 'trish', 'tricia', 'patsy'],
  ['peter', 'pete', 'petey'],
  ['stephen', 'steve', 'stevie', 'steven', 'stephan'],
  ['timothy', 'tim', 'timmy'],
  ['gregory', 'greg', 'gregg'],
  ['jeffrey', 'jeff', 'geoff', 'geoffrey'],
  ['kenneth', 'ken', 'kenny'],
  ['lawrence', 'larry', 'laurie', 'laurence', 'lars'],
  ['leonard', 'leo', 'len', 'lenny'],
  ['ronald', 'ron', 'ronnie'],
  ['donald', 'don', 'donnie'],
  ['douglas', 'doug', 'dougie'],
  ['raymond', 'ray'],
  ['philip', 'phil', 'pip', 'phillip'],
  ['gerald', 'gerry', 'jerry'],
  ['harold', 'harry', 'hal'],
  ['henry', 'harry', 'hank', 'hal', 'hennie'],
  ['walter', 'walt', 'wally'],
  ['vincent', 'vince', 'vinny'],
  ['zachary', 'zach', 'zack', 'zak'],
  ['joshua', 'josh'],
  ['nathaniel', 'nate', 'nathan', 'nat'],
  ['benedict', 'ben', 'benny'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'betsy', 'eliza', 'libby', 'bess', 'lisa', 'elisabeth', 'elise'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge', 'margie', 'greta', 'daisy', 'madge'],
  ['katherine', 'kate', 'katie', 'kathy', 'kat', 'kitty', 'cathy', 'catherine', 'kathryn', 'katy', 'kay'],
  ['jennifer', 'jen', 'jenny', 'jenn'],
  ['jessica', 'jess', 'jessie'],
  ['rebecca', 'becky', 'becca', 'bex'],
  ['deborah', 'debbie', 'deb', 'debra'],
  ['susan', 'sue', 'susie', 'suzy', 'suzanne'],
  ['barbara', 'barb', 'babs', 'barbie'],
  ['dorothy', 'dot', 'dotty', 'dottie', 'dora'],
  ['victoria', 'vicky', 'vickie', 'tori', 'vic'],
  ['abigail', 'abby', 'abbie', 'gail'],
  ['amanda', 'mandy', 'manda'],
  ['caroline', 'carrie', 'carol', 'caro', 'carolyn'],
  ['eleanor', 'ellie', 'nell', 'nora', 'elle', 'nellie'],
  ['helen', 'nell', 'ellie', 'lena'],
  ['frances', 'fran', 'frankie', 'fanny'],
  ['francis', 'frank', 'frankie', 'fran'],
  ['franklin', 'frank', 'frankie'],
  ['gabriel', 'gabe', 'gabby'],
  ['gabrielle', 'gabby', 'gabi', 'elle'],
  ['isabella', 'bella', 'izzy', 'isabel', 'isabelle', 'issy'],
  ['jacqueline', 'jackie', 'jacqui'],
  ['judith', 'judy', 'jude'],
  ['louise', 'lou', 'lulu', 'louisa'],
  ['louis', 'lou', 'louie', 'lewis'],
  ['mary', 'molly', 'polly', 'mae', 'mamie', 'maria', 'marie'],
  ['melissa', 'mel', 'missy', 'lissa'],
  ['melanie', 'mel', 'mellie'],
  ['pamela', 'pam', 'pammy'],
  ['sarah', 'sally', 'sadie', 'sara'],
  ['theresa', 'terry', 'tess', 'tessa', 'teresa', 'tracy'],
  ['terence', 'terry', 'tel'],
  ['valerie', 'val'],
  ['virginia', 'ginny', 'ginger'],
  ['cynthia', 'cindy'],
  ['lucinda', 'cindy', 'lucy'],
  ['lucille', 'lucy', 'lu'],
  ['veronica', 'ronnie', 'roni', 'vera'],
  ['christian', 'chris', 'christy'],
  ['kimberly', 'kim', 'kimmy'],
  ['angela', 'angie', 'ange'],
  ['natalie', 'nat', 'nattie', 'natasha', 'tasha'],
  ['olivia', 'liv', 'livvy', 'ollie'],
  ['oliver', 'ollie', 'olly', 'noll'],
  ['sebastian', 'seb', 'bastian', 'sebby'],
  ['maximilian', 'max', 'maxi'],
  ['maxwell', 'max'],
  ['ignatius', 'iggy', 'nate'],
  ['jose', 'pepe'],
  ['francisco', 'paco', 'pancho', 'cisco'],
  ['guillermo', 'memo', 'guille'],
  ['alejandro', 'alex', 'alejo', 'jando'],
  ['giuseppe', 'beppe', 'peppe', 'pino'],
  ['johannes', 'hans', 'jan', 'johann', 'hannes'],
  ['wilhelm', 'willi', 'wim'],
  ['ekaterina', 'katya', 'katia', 'katerina'],
  ['aleksandr', 'sasha', 'sacha', 'sanya', 'alexander'],
  ['dmitri', 'dima', 'dmitry'],
  ['mikhail', 'misha'],
  ['ivan', 'vanya'],
];

/** name -> indexes of its groups. */
const index = new Map<string, number[]>();
groups.forEach((group, i) => {
  for (const name of group) {
    const seen = index.get(name);
    if (seen) {
      if (!seen.includes(i)) seen.push(i);
    } else index.set(name, [i]);
  }
});

/** True when one of the two (lowercase, ASCII) given names is a usual short form of the other. */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return false;
  const left = index.get(a);
  const right = index.get(b);
  if (!left || !right) return false;
  return left.some((g) => right.includes(g));
}

/**
 * A key shared by every name of a family ("bob" and "robert" -> "robert"): the first
 * group's head, or the name itself. Used to block candidates, not to score them.
 */
export function nameFamilies(name: string): string[] {
  const found = index.get(name);
  return found ? found.map((g) => groups[g]![0]!) : [name];
}
